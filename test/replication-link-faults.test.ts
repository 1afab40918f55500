// A replica facing a bad master: a garbage reply to PSYNC, a truncated RDB payload, a wrong password,
// a master that is down. Each time: a clear log line, a retry, the dataset kept whole (stale data
// served, or MASTERDOWN when replica-serve-stale-data is no), never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { rejects } from './helpers/assert.js';
import { freePort, RawClient } from './helpers/servers.js';
import { eventually, replInfo, startFakeMaster, startNode, stopAll } from './helpers/replication.js';

test.after.each(stopAll);

/** Answers the handshake like a Redis 7 master; `psync` answers the PSYNC. */
function handshake(psync: (s: Socket) => void, auth?: string) {
  return (argv: string[], s: Socket): void => {
    const cmd = argv[0].toUpperCase();
    if (cmd === 'PING') s.write(auth !== undefined ? '-NOAUTH Authentication required.\r\n' : '+PONG\r\n');
    else if (cmd === 'AUTH') s.write(argv[argv.length - 1] === auth ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    else if (cmd === 'REPLCONF') s.write('+OK\r\n');
    else if (cmd === 'PSYNC') psync(s);
  };
}

test('a garbage reply to PSYNC is logged and retried; the replica keeps serving its data', async () => {
  const fake = await startFakeMaster(handshake((s) => s.write('+WHATEVER this is not a psync reply\r\n')));
  const replica = await startNode('ferrite');
  const c = replica.client();
  await c.set('kept', 'yes');
  await c.replicaof('127.0.0.1', String(fake.port));
  await eventually('two attempts', async () => (fake.connections >= 2 ? true : undefined));
  assert.match(replica.log(), /Unexpected reply to PSYNC from master/);
  assert.is(await c.get('kept'), 'yes');
  assert.is(await replInfo(c, 'master_link_status'), 'down');
  fake.close();
});

test('a wrong masterauth is logged and retried', async () => {
  const fake = await startFakeMaster(handshake(() => undefined, 'right'));
  const replica = await startNode('ferrite', ['--masterauth', 'wrong']);
  const c = replica.client();
  await c.replicaof('127.0.0.1', String(fake.port));
  await eventually('the refusal logged', async () => (/Unable to AUTH to MASTER: WRONGPASS/.test(replica.log()) ? true : undefined));
  assert.is(await replInfo(c, 'master_link_status'), 'down');
  fake.close();
});

test('a truncated RDB payload never replaces the dataset', async () => {
  const fake = await startFakeMaster(
    handshake((s) => {
      s.write(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$1000\r\nREDIS0010`);
      setTimeout(() => s.destroy(), 20);
    }),
  );
  const replica = await startNode('ferrite');
  const c = replica.client();
  await c.set('kept', 'yes');
  await c.replicaof('127.0.0.1', String(fake.port));
  await eventually('the cut logged', async () => (/Master closed the connection during the synchronization/.test(replica.log()) ? true : undefined));
  assert.is(await c.get('kept'), 'yes');
  assert.is(await c.dbsize(), 1);
  fake.close();
});

test('a corrupt RDB payload is refused whole, logged, and the sync retried', async () => {
  const garbage = 'REDIS0010' + 'x'.repeat(200);
  const fake = await startFakeMaster(handshake((s) => s.write(`+FULLRESYNC ${'b'.repeat(40)} 0\r\n$${garbage.length}\r\n${garbage}`)));
  const replica = await startNode('ferrite');
  const c = replica.client();
  await c.set('kept', 'yes');
  await c.replicaof('127.0.0.1', String(fake.port));
  await eventually('the refusal logged', async () => (/Failed trying to load the MASTER synchronization DB/.test(replica.log()) ? true : undefined));
  assert.is(await c.get('kept'), 'yes');
  assert.is(await c.dbsize(), 1);
  fake.close();
});

test('replica-serve-stale-data no: MASTERDOWN while the link is down (PING too, as Redis), INFO, ECHO and ROLE answered', async () => {
  const fake = await startFakeMaster(handshake((s) => s.write('-ERR no\r\n')));
  const replica = await startNode('ferrite', ['--replica-serve-stale-data', 'no']);
  const c = replica.client();
  await c.replicaof('127.0.0.1', String(fake.port));
  await rejects(c.get('x'), /MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'\./);
  await rejects(c.ping(), /MASTERDOWN/);
  assert.is(await c.echo('a'), 'a');
  assert.is(((await c.role()) as string[])[0], 'slave');
  assert.is(await replInfo(c, 'master_link_status'), 'down');
  await c.config('SET', 'replica-serve-stale-data', 'yes');
  assert.is(await c.get('x'), null);
  fake.close();
});

test('writes to a read-only replica get READONLY, memcached ones too; REPLICAOF NO ONE makes it writable', async () => {
  const fake = await startFakeMaster(handshake(() => undefined));
  const memcachedPort = await freePort();
  const replica = await startNode('ferrite', ['--memcached-port', String(memcachedPort)]);
  const c = replica.client();
  await c.replicaof('127.0.0.1', String(fake.port));
  await rejects(c.set('x', '1'), /READONLY You can't write against a read only replica\./);
  const mc = await RawClient.connect(memcachedPort);
  mc.send('set x 0 0 1\r\n1\r\nget x\r\n');
  assert.is(await mc.readUntil('END\r\n'), "SERVER_ERROR READONLY You can't write against a read only replica.\r\nEND\r\n");
  mc.close();
  assert.equal(await c.role(), ['slave', '127.0.0.1', fake.port, await eventually('a state', async () => ((await c.role()) as string[])[3]), -1]);
  assert.is(await c.replicaof('NO', 'ONE'), 'OK');
  assert.is(await c.set('x', '1'), 'OK');
  assert.is(((await c.role()) as unknown[])[0], 'master');
  fake.close();
});

test.run();
