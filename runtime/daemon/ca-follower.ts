// The driver around credentials-follower.ts: takes each CA directive a node
// hears (store changes on a manager, session answers on a worker), and runs
// the step it calls for: a renewal onto the new root (spread over a few
// seconds so a fleet does not hit the managers at once), or a new trust
// bundle and chain saved atomically and put into use for new links. One
// change at a time; a failed one is retried at the next directive.
import type { NodeContext } from './context.js';
import { nextCredentialsStep } from './credentials-follower.js';
import type { NodeNetwork } from './node-network.js';
import { NodeCredentialsStore, type NodeCredentials } from '../pki/credentials-store.js';
import type { CaDirective } from '../store/ca-rotation.js';

/**
 * Renewals onto a new root start at a random moment within this window.
 * A manager signs one in ~10 ms here (more on a Pi); 3 s keeps a fleet of
 * hundreds from queueing on it, and a rotation of a few boards quick.
 */
export const rotationRenewSpreadMs = 3000;

export interface CaFollowerOptions {
  context: NodeContext;
  dataDir: string;
  /** The running runtime's network (its credentials are the ones held now); undefined between runtimes. */
  network: () => NodeNetwork | undefined;
  /** Renews this node's certificate (the answer says what to trust and present), saves and uses it. */
  renew: () => Promise<void>;
  /** Tells the cluster which certificate this node holds now. */
  report: () => Promise<void>;
}

export class CaFollower {
  private busy = false;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  /** The directive last found to need nothing, and for which credentials: the common case costs no parsing. */
  private settled: { key: string; credentials: NodeCredentials } | undefined;
  private stopped = false;

  constructor(private readonly options: CaFollowerOptions) {}

  follow(directive: CaDirective): void {
    const network = this.options.network();
    if (!network || this.busy || this.stopped) return;
    const credentials = network.heldCredentials;
    const key = `${directive.signingRootDigestHex}\n${directive.trustPem}\n${directive.chainPem}`;
    if (this.settled?.key === key && this.settled.credentials === credentials) return;
    let step;
    try {
      step = nextCredentialsStep(credentials, directive);
    } catch (error) {
      this.options.context.log(`cannot compare this node's credentials with the cluster's CA: ${(error as Error).message}`);
      return;
    }
    if (step.kind === 'keep') this.settled = { key, credentials };
    else if (step.kind === 'renew') this.renewSoon(step.reason);
    else void this.run('trust bundle update', () => this.replace(network, step.credentials));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
  }

  private renewSoon(reason: string): void {
    if (this.renewTimer !== undefined) return;
    const delayMs = Math.floor(this.options.context.rng.next() * rotationRenewSpreadMs);
    this.options.context.log(`${reason}: renewing in ${delayMs} ms`);
    this.renewTimer = setTimeout(() => {
      void this.run('certificate renewal onto the new root', () => this.options.renew()).finally(() => {
        this.renewTimer = undefined;
      });
    }, delayMs);
    this.renewTimer.unref();
  }

  private async replace(network: NodeNetwork, credentials: NodeCredentials): Promise<void> {
    // On disk first: a restart right after must come back with what the links already use.
    await new NodeCredentialsStore(this.options.dataDir).save(credentials);
    network.updateCredentials(credentials);
    const roots = credentials.caBundlePem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
    this.options.context.log(`trust bundle updated: this node now trusts ${roots} root(s)`);
    await this.options.report();
  }

  private async run(what: string, work: () => Promise<void>): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await work();
    } catch (error) {
      this.options.context.log(`${what} failed: ${(error as Error).message}; retrying at the next update from the cluster`);
    } finally {
      this.busy = false;
    }
  }
}
