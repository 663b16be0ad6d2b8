// `edgectl swarm ca` and `swarm ca --rotate` on the control socket.
//
// Rotation starts on the manager the operator talks to: it makes the new
// root, the cross-signed bridge and the next join tokens, keeps the printable
// tokens (the store holds only their hashes), and proposes the rotation
// through the leader. From there the store drives it (runtime/store/ca-rotation.ts):
// nodes renew onto the new root, report, and the leader finishes it.
import { EdgeError } from '../common/errors.js';
import { CertificateAuthority, rootGeneration } from '../pki/certificate-authority.js';
import { JoinTokenRegistry } from '../pki/join-token-registry.js';
import { toCertificate } from '../pki/pem.js';
import { certificateValidity } from '../pki/peer-identity.js';
import { beginRootRotation } from '../pki/root-rotation.js';
import { TrustBundle } from '../pki/trust-bundle.js';
import { rootDigestHex, rotationProgress } from '../store/ca-rotation.js';
import type { Router } from '../transport/link.js';
import type { CaRotationView } from '../wire/messages/control.js';
import { requireManager } from './control-handlers.js';
import type { Daemon } from './daemon.js';

export function registerCaHandlers(router: Router, daemon: Daemon): void {
  router.handle('swarm.ca', async (body) => {
    const manager = requireManager(daemon);
    const state = await manager.read((body as { stale?: boolean }).stale ?? false);
    const root = toCertificate(state.ca.certPem, 'root CA certificate');
    const { notBeforeMs, notAfterMs } = certificateValidity(root);
    const progress = rotationProgress(state);
    const rotation: CaRotationView | undefined = progress && { ...progress, startedAtMs: Math.max(0, Math.floor(progress.startedAtMs)) };
    return {
      certPem: state.ca.certPem,
      digestHex: rootDigestHex(state),
      notBeforeMs: Math.max(0, notBeforeMs),
      notAfterMs: Math.max(0, notAfterMs),
      generation: rootGeneration(root),
      ...(rotation ? { rotation } : {}),
    };
  });

  router.handle('swarm.caRotate', async () => {
    const manager = requireManager(daemon);
    const state = await manager.read(false);
    // Refused here too, not only by the store: the next tokens saved below would overwrite the running rotation's.
    if (state.caRotation) {
      throw new EdgeError('EDGE_STORE_CA_ROTATION_RUNNING', `a root CA rotation to sha256:${state.caRotation.nextDigestHex.slice(0, 12)}… is already running: wait for it (edgectl swarm ca) before starting another`);
    }
    const time = daemon.context.time;
    const current = await CertificateAuthority.fromPem(state.ca, time);
    const rotation = await beginRootRotation(current, TrustBundle.of([current.certificate]), time);
    const { registry, tokens } = JoinTokenRegistry.create(rotation.next.digestHex, time);
    const startedAtMs = Math.max(0, Math.floor(time.nowMs()));
    // Saved before the write: if the rotation commits and this manager then crashes, it can still print the next tokens.
    await daemon.savePendingTokens(tokens);
    await manager.write({
      op: 'ca.rotation.begin',
      rotation: {
        next: { certPem: rotation.next.certPem, keyPem: await rotation.next.exportKeyPem() },
        nextDigestHex: rotation.next.digestHex,
        previousDigestHex: current.digestHex,
        crossSignedPem: rotation.crossSignedPem,
        startedAtMs,
        nextTokens: registry.state(),
      },
    });
    // A linearizable read: this manager's own `swarm ca` shows the rotation from the moment the call returns.
    await manager.read(false);
    daemon.context.log(`root CA rotation started: sha256:${current.digestHex.slice(0, 12)}… → sha256:${rotation.next.digestHex.slice(0, 12)}… (generation ${rotation.next.generation})`);
    return { nextDigestHex: rotation.next.digestHex, previousDigestHex: current.digestHex, startedAtMs };
  });
}
