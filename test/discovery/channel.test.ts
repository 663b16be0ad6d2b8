// The channel's failure handling with a stand-in socket and interface table,
// so each socket error can be produced on demand (the lab tests cover the
// real kernel behaviour).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SeededRng } from '../../runtime/common/rng.js';
import { MulticastChannel } from '../../runtime/discovery/channel.js';
import { resolveConfig } from '../../runtime/discovery/config.js';
import type { InterfaceTable } from '../../runtime/discovery/interface-choice.js';
import { errno, FakeSocket, ipv4Interface, loopbackOnly, until } from './fake-socket.js';
import { sleep } from './lab-events.js';

const eth0 = ipv4Interface;

function harness(options: { table: InterfaceTable; startupWarnings?: Array<Error | undefined>; onPacket?: (packet: unknown) => void }) {
  const world = { table: options.table, sockets: [] as FakeSocket[], lines: [] as string[], opens: 0, packets: [] as unknown[] };
  const warnings = [...(options.startupWarnings ?? [])];
  const channel = new MulticastChannel({
    who: 'test',
    config: resolveConfig({ retryDelayMsMin: 20, retryDelayMsMax: 80, interfaceCheckIntervalMs: 100 }),
    log: (line) => world.lines.push(line),
    rng: new SeededRng(7),
    onOpen: () => world.opens++,
    onPacket: options.onPacket ?? ((packet) => world.packets.push(packet)),
    onUndecodable: () => world.packets.push('undecodable'),
    readInterfaces: () => world.table,
    socketFactory: (address) => {
      const socket = new FakeSocket(address, warnings.shift());
      world.sockets.push(socket);
      return socket;
    },
  });
  return { channel, world };
}

test('with only loopback it logs NO_INTERFACE once, keeps retrying, and opens when eth0 appears', async () => {
  // Proves a board that boots before its network comes up neither crashes nor gives up, and says why it waits.
  const { channel, world } = harness({ table: loopbackOnly });
  channel.start();
  await sleep(250);
  assert.is(channel.state, 'waiting');
  assert.is(channel.lastError?.code, 'EDGE_DISCOVERY_NO_INTERFACE');
  assert.ok(channel.stats().failures >= 3, `retried (${channel.stats().failures} attempts)`);
  assert.is(world.lines.filter((line) => line.includes('EDGE_DISCOVERY_NO_INTERFACE')).length, 1, 'logged once, not once per attempt');
  assert.match(world.lines[0]!, 'ip route add 224.0.0.0/4 dev eth0');
  world.table = { ...loopbackOnly, eth0: [eth0('10.0.0.2')] };
  await until(() => channel.state === 'open', 'open');
  assert.is(world.opens, 1);
  assert.is(world.sockets[0]?.interfaceAddress, '10.0.0.2', 'bound to the interface address');
  assert.match(world.lines.at(-1)!, /multicast open on eth0 \(10\.0\.0\.2\) after \d+ failed attempt/);
  assert.is(channel.lastError, undefined);
  await channel.stop();
});

test('ENODEV from addMembership on a present interface is NO_MULTICAST_ROUTE, retried on a new socket', async () => {
  // Proves the failure mdns-js cannot survive is a logged, retried condition here, with the route fix.
  const { channel, world } = harness({ table: { eth0: [eth0('10.0.0.2')] }, startupWarnings: [errno('ENODEV', 'addMembership'), errno('ENODEV', 'addMembership')] });
  channel.start();
  await until(() => channel.state === 'open', 'open after two failed memberships');
  assert.is(world.sockets.length, 3);
  assert.ok(world.sockets[0]!.destroyed && world.sockets[1]!.destroyed, 'failed sockets are closed');
  assert.is(world.opens, 1, 'onOpen only for the socket that works');
  const line = world.lines.find((l) => l.includes('EDGE_DISCOVERY_NO_MULTICAST_ROUTE'));
  assert.ok(line);
  assert.match(line!, 'ip route add 224.0.0.0/4 dev eth0');
  await channel.stop();
});

test('a bind error (EADDRINUSE) is PORT_UNAVAILABLE, not an exception', async () => {
  // Proves the socket's 'error' event is handled: a port held by another program is retried.
  const { channel, world } = harness({ table: { eth0: [eth0('10.0.0.2')] } });
  channel.start();
  await until(() => channel.state === 'open', 'open');
  world.sockets[0]!.error.forEach((listener) => listener(errno('EADDRINUSE', 'bind')));
  assert.is(channel.state, 'waiting');
  assert.is(channel.lastError?.code, 'EDGE_DISCOVERY_PORT_UNAVAILABLE');
  await until(() => channel.state === 'open', 're-open');
  assert.is(world.opens, 2, 'the owner hears of the re-open (to announce again)');
  await channel.stop();
});

test('a send failing with ENETUNREACH after the address went away is INTERFACE_LOST; EPERM only logs', async () => {
  // Proves send errors are classified: interface trouble re-opens, a firewall refusal keeps the socket.
  const { channel, world } = harness({ table: { eth0: [eth0('10.0.0.2')] } });
  channel.start();
  await until(() => channel.state === 'open', 'open');
  world.sockets[0]!.sendError = errno('EPERM', 'send');
  assert.is(await channel.send({ type: 'query', questions: [] }), false);
  assert.is(channel.state, 'open');
  assert.ok(world.lines.some((line) => line.includes('EDGE_DISCOVERY_SEND_FAILED') && line.includes('firewall')));
  world.table = { eth0: [] };
  world.sockets[0]!.sendError = errno('ENETUNREACH', 'send');
  assert.is(await channel.send({ type: 'query', questions: [] }), false);
  assert.is(channel.lastError?.code, 'EDGE_DISCOVERY_INTERFACE_LOST');
  assert.is(await channel.send({ type: 'query', questions: [] }), false, 'sends while waiting are dropped, not thrown');
  world.table = { eth0: [eth0('10.0.0.3')] };
  await until(() => channel.state === 'open', 're-open on the new address');
  assert.is(world.sockets.at(-1)!.interfaceAddress, '10.0.0.3');
  await channel.stop();
});

test('the periodic check notices a vanished address without any traffic', async () => {
  // Proves a quiet advertiser still re-opens (and so re-announces) after its interface is renumbered.
  const { channel, world } = harness({ table: { eth0: [eth0('10.0.0.2')] } });
  channel.start();
  await until(() => channel.state === 'open', 'open');
  world.table = { eth0: [eth0('10.0.0.9')] };
  await until(() => world.opens === 2, 'second open');
  assert.ok(world.lines.some((line) => line.includes('EDGE_DISCOVERY_INTERFACE_LOST')));
  assert.is(channel.chosen?.address, '10.0.0.9');
  await channel.stop();
});

test('packets: off-link dropped, undecodable counted, a throwing handler does not escape', async () => {
  // Proves nothing a packet causes can reach the socket's event loop as an exception.
  let calls = 0;
  const { channel, world } = harness({
    table: { eth0: [eth0('10.0.0.2')] },
    onPacket: () => {
      calls++;
      throw new Error('handler bug');
    },
  });
  channel.start();
  await until(() => channel.state === 'open', 'open');
  const socket = world.sockets[0]!;
  socket.deliver({ type: 'response' }, '192.168.9.9');
  assert.is(channel.stats().packetsOffLink, 1);
  assert.is(calls, 0);
  socket.deliver({ type: 'response' }, '10.0.0.7');
  assert.is(calls, 1);
  assert.ok(world.lines.some((line) => line.includes('internal error handling a packet from 10.0.0.7')));
  socket.warning.forEach((listener) => listener(new Error('Header must be 12 bytes')));
  assert.equal(world.packets, ['undecodable']);
  assert.is(channel.state, 'open', 'a bad datagram is not a socket failure');
  await channel.stop();
});

test('stop while waiting ends the retries', async () => {
  // Proves stop() leaves no timer behind that would open a socket later.
  const { channel, world } = harness({ table: loopbackOnly });
  channel.start();
  await sleep(30);
  await channel.stop();
  const failures = channel.stats().failures;
  world.table = { eth0: [eth0('10.0.0.2')] };
  await sleep(200);
  assert.is(channel.stats().failures, failures);
  assert.is(world.sockets.length, 0);
  assert.is(channel.state, 'stopped');
});

test.run();
