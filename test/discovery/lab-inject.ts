// Sends hostile mDNS traffic from a lab host to the lab's multicast group
// (not a test itself; lab-malformed.test.ts runs it). Undecodable datagrams
// are written byte by byte; well-formed DNS carrying bad values goes through
// multicast-dns's encoder. Prints {"event":"sent","count":N} and exits.
//   lab-inject.ts --interface 10.254.42.12
import { createSocket, type Socket } from 'node:dgram';
import { parseArgs } from 'node:util';
import makeMulticastDns from 'multicast-dns';

const GROUP = { address: '224.0.0.251', port: 5353 };
const { values } = parseArgs({ options: { interface: { type: 'string' } } });
const interfaceAddress = values.interface ?? '10.254.42.12';
const service = '_edgectl._tcp.local';
const goodTxt = ['v=1', 'cluster=lab', 'ca=9f86d081884c7d65', 'role=manager', 'node=evil'];

type Answer = Record<string, unknown>;
function manager(label: string, changes: { port?: number; target?: string; txt?: Array<string | Buffer>; klass?: string } = {}): Answer[] {
  const name = `${label}.${service}`;
  const target = changes.target ?? `edgectl-${label}.local`;
  return [
    { name: service, type: 'PTR', ttl: 120, data: name },
    { name, type: 'SRV', ttl: 120, class: changes.klass ?? 'IN', data: { port: changes.port ?? 4242, target } },
    { name, type: 'TXT', ttl: 120, data: changes.txt ?? goodTxt },
    { name: target, type: 'A', ttl: 120, data: '10.254.42.12' },
  ];
}

/** Datagrams dns-packet cannot decode. */
function undecodable(): Buffer[] {
  const header = (qd: number, an: number, flags = 0x8400): number[] => [0, 0, flags >> 8, flags & 0xff, 0, qd, 0, an, 0, 0, 0, 0];
  return [
    Buffer.from('this is not DNS at all, only some text!!'),
    Buffer.from([1, 2, 3, 4, 5]),
    // A question whose name is a compression pointer to itself.
    Buffer.from([...header(1, 0, 0), 0xc0, 0x0c, 0, 12, 0, 1]),
    // Claims one answer, carries half of one.
    Buffer.from([...header(0, 1), 3, 0x61, 0x62, 0x63, 0, 0, 1, 0, 1, 0, 0]),
    // Label length running past the end.
    Buffer.from([...header(0, 1), 60, 0x61, 0x62]),
  ];
}

/** Well-formed DNS with values the browser must refuse, one bad record per packet. */
function badResponses(): Answer[][] {
  return [
    [{ name: service, type: 'PTR', ttl: 120, data: `bad label!.${service}` }],
    manager('evil-port', { port: 0 }),
    manager('evil-charset', { txt: ['v=1', Buffer.from([0x6e, 0x3d, 0xff, 0xfe])] }),
    manager('evil-version', { txt: ['v=2', 'cluster=lab', 'ca=9f86d081884c7d65', 'role=manager', 'node=x'] }),
    manager('evil-target', { target: 'attacker.example.com' }),
    manager('evil-class', { klass: 'CH' }),
    manager('evil-ca', { txt: ['v=1', 'cluster=lab', 'ca=zz', 'role=manager', 'node=x'] }),
    Array.from({ length: 70 }, (_, i) => ({ name: 'edgectl-flood.local', type: 'A', ttl: 120, data: `10.254.42.${100 + (i % 100)}` })),
  ];
}

/** Queries an advertiser must ignore without answering or crashing. */
function badQueries(): Array<Record<string, unknown>> {
  return [
    { type: 'query', questions: Array.from({ length: 40 }, () => ({ name: service, type: 'PTR' })) },
    { type: 'query', questions: [{ name: service, type: 'PTR' }], answers: Array.from({ length: 70 }, () => ({ name: service, type: 'PTR', ttl: 120, data: `x.${service}` })) },
  ];
}

function send(socket: Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.send(bytes, GROUP.port, GROUP.address, (error) => (error ? reject(error) : resolve())));
}

async function main(): Promise<void> {
  let count = 0;
  const raw = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => raw.bind(5353, '0.0.0.0', resolve));
  raw.setMulticastInterface(interfaceAddress);
  for (const bytes of undecodable()) {
    await send(raw, bytes);
    count++;
  }
  raw.close();

  const mdns = makeMulticastDns({ interface: interfaceAddress, bind: '0.0.0.0', reuseAddr: true });
  await new Promise<void>((resolve) => mdns.once('ready', resolve));
  const sendPacket = (packet: Record<string, unknown>, destination = GROUP): Promise<void> =>
    new Promise((resolve, reject) => (mdns as unknown as { send(p: unknown, d: unknown, cb: (e: Error | null) => void): void }).send(packet, { ...destination }, (e) => (e ? reject(e) : resolve())));
  for (const answers of badResponses()) {
    await sendPacket({ type: 'response', flags: 1 << 10, answers });
    count++;
  }
  for (const query of badQueries()) {
    await sendPacket(query);
    count++;
  }
  mdns.destroy();

  // A valid manager, but from a port other than 5353: RFC 6762 §6 says ignore it.
  const stranger = makeMulticastDns({ port: 0, interface: interfaceAddress, bind: false });
  await new Promise<void>((resolve, reject) =>
    (stranger as unknown as { send(p: unknown, d: unknown, cb: (e: Error | null) => void): void }).send({ type: 'response', flags: 1 << 10, answers: manager('wrong-port') }, { ...GROUP }, (e) => (e ? reject(e) : resolve())),
  );
  count++;
  stranger.destroy();
  process.stdout.write(`${JSON.stringify({ event: 'sent', sinceStartMs: 0, count })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ event: 'inject-failed', sinceStartMs: 0, error: String(error) })}\n`);
  process.exit(1);
});
