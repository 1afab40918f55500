// Replication under faults, real processes: kill -9 and restart of the replica and of the master,
// the link cut in the middle of a full sync and of the stream, a backlog too small for the outage
// (the next sync is a full one), a replica too slow for its output buffer limit (dropped, it
// resyncs), FAILOVER, and redis-cli's --rdb and --replica against a Ferrite master.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dumpDataset, eventually, populate, infoField, replInfo, startNode, startProxy, stopAll, waitInSync, writeMixed, type Node } from './helpers/replication.js';

test.after.each(stopAll);

async function syncFull(node: Node): Promise<number> {
  return Number(infoField(await node.client().info('stats'), 'sync_full'));
}

async function converged(master: Node, replica: Node): Promise<void> {
  await waitInSync(master.client(), replica.client());
  const [a, b] = await Promise.all([dumpDataset(master.client()), dumpDataset(replica.client())]);
  assert.equal(b, a);
}

test('kill -9 of the replica, then of the master: the replica converges after each restart', async () => {
  const master = await startNode('ferrite');
  const m = master.client();
  await writeMixed(m, 'a', 100);
  const replica = await startNode('ferrite', ['--replicaof', '127.0.0.1', String(master.port)]);
  await converged(master, replica);
  await replica.kill();
  await writeMixed(m, 'b', 50);
  await replica.restart();
  await converged(master, replica);
  await master.kill();
  await eventually('the replica to see its master down', async () => ((await replInfo(replica.client(), 'master_link_status')) === 'down' ? true : undefined));
  // Stale data is served meanwhile.
  assert.is(await replica.client().get('a:s:1'), 'v1\x00\xff');
  await master.restart();
  const m2 = master.client();
  await m2.set('fresh', 'master');
  await converged(master, replica);
  assert.is(await replica.client().get('fresh'), 'master');
});

test('restarts with persistence continue the history: a crashed replica and a restarted master resync partially', async () => {
  const master = await startNode('ferrite', ['--save', '3600 1']);
  const m = master.client();
  await writeMixed(m, 'p', 100);
  const replica = await startNode('ferrite', ['--save', '3600 1', '--replicaof', '127.0.0.1', String(master.port)]);
  await converged(master, replica);
  // The replica kept its master's payload as dump.rdb: after kill -9 it continues from that offset.
  await eventually('the replica dump file', async () => (existsSync(join(replica.dir, 'dump.rdb')) ? true : undefined));
  await replica.kill();
  await writeMixed(m, 'q', 20);
  await replica.restart();
  await converged(master, replica);
  assert.is(Number(infoField(await m.info('stats'), 'sync_full')), 1);
  assert.is(Number(infoField(await m.info('stats'), 'sync_partial_ok')), 1);
  assert.match(replica.log(), /Restored replication ID .* from the RDB/);
  // A master that saved on shutdown continues under its secondary id: the replica doesn't resync fully.
  await m.shutdown('SAVE').catch(() => undefined);
  await eventually('the master to exit', async () => (master.process.exitCode !== null ? true : undefined));
  await master.restart();
  const m2 = master.client();
  await m2.set('after-restart', '1');
  await converged(master, replica);
  assert.is(Number(infoField(await m2.info('stats'), 'sync_full')), 0);
  assert.is(Number(infoField(await m2.info('stats'), 'sync_partial_ok')), 1);
});

test('the link cut in the middle of a full sync: the replica retries and loads the whole dataset', async () => {
  const master = await startNode('ferrite');
  const m = master.client();
  await populate(m, 5000, 'big', 100);
  const proxy = await startProxy(master.port);
  proxy.cutAfterBytes = 200_000;
  const replica = await startNode('redis', ['--replicaof', '127.0.0.1', String(proxy.port)]);
  await eventually('a cut', async () => (/Connection with replica .* lost/.test(master.log()) ? true : undefined));
  proxy.cutAfterBytes = 0;
  await converged(master, replica);
  assert.is(await replica.client().dbsize(), 5000);
  assert.ok((await syncFull(master)) >= 2);
});

test('a Ferrite replica cut mid full sync keeps its old data until a whole payload loaded', async () => {
  const master = await startNode('redis');
  const m = master.client();
  await populate(m, 5000, 'big', 100);
  const proxy = await startProxy(master.port);
  proxy.cutAfterBytes = 200_000;
  const replica = await startNode('ferrite');
  const r = replica.client();
  await r.set('old', 'data');
  await r.replicaof('127.0.0.1', String(proxy.port));
  await eventually('a cut', async () => (/during the synchronization|Error on the link|Connection with master lost/.test(replica.log()) ? true : undefined));
  assert.is(await r.get('old'), 'data');
  proxy.cutAfterBytes = 0;
  await converged(master, replica);
  assert.is(await r.get('old'), null);
  assert.is(await r.dbsize(), 5000);
});

test('the link cut mid stream, again and again: partial resyncs, no acknowledged write lost', async () => {
  const master = await startNode('ferrite');
  const m = master.client();
  const proxy = await startProxy(master.port);
  const replica = await startNode('ferrite', ['--replicaof', '127.0.0.1', String(proxy.port)]);
  await m.set('seed', '1');
  await converged(master, replica);
  for (let round = 0; round < 5; round++) {
    const writes = Array.from({ length: 200 }, (_, i) => m.incrby(`counter:${i % 7}`, i));
    setTimeout(() => proxy.cut(), 2);
    await Promise.all(writes);
  }
  await converged(master, replica);
  assert.is(await syncFull(master), 1);
});

test('a backlog smaller than the writes missed: the next sync is a full one', async () => {
  const master = await startNode('ferrite', ['--repl-backlog-size', '16kb']);
  const m = master.client();
  const proxy = await startProxy(master.port);
  const replica = await startNode('redis', ['--replicaof', '127.0.0.1', String(proxy.port)]);
  await m.set('x', '1');
  await converged(master, replica);
  proxy.refusing = true;
  proxy.cut();
  await populate(m, 2000, 'over', 64);
  await writeMixed(m, 'over', 200);
  proxy.refusing = false;
  await converged(master, replica);
  assert.is(await syncFull(master), 2);
  assert.match(master.log(), /Unable to partial resync with replica .* for lack of backlog/);
});

test('a replica too slow for its output buffer limit is dropped, then resyncs', async () => {
  const master = await startNode('ferrite', ['--client-output-buffer-limit', 'replica 256kb 0 0']);
  const m = master.client();
  const proxy = await startProxy(master.port);
  const replica = await startNode('ferrite', ['--replicaof', '127.0.0.1', String(proxy.port)]);
  await m.set('x', '1');
  await converged(master, replica);
  proxy.stall(true);
  const value = 'v'.repeat(64 * 1024);
  for (let i = 0; i < 200 && !/overcoming of output buffer limits/.test(master.log()); i++) await m.set(`big:${i % 50}`, value);
  assert.match(master.log(), /scheduled to be closed ASAP for overcoming of output buffer limits/);
  proxy.stall(false);
  await converged(master, replica);
});

test('FAILOVER hands the master role to the replica, which the old master then follows partially', async () => {
  const master = await startNode('ferrite');
  const m = master.client();
  const replica = await startNode('ferrite', ['--replicaof', '127.0.0.1', String(master.port)]);
  const r = replica.client();
  await writeMixed(m, 'f', 50);
  await converged(master, replica);
  assert.match(await m.call('FAILOVER', 'TO', '127.0.0.1', '1') .then(String, (e: Error) => e.message), /FAILOVER target HOST and PORT is not a replica/);
  assert.is(await m.call('FAILOVER'), 'OK');
  await eventually('the roles to swap', async () => (((await r.role()) as string[])[0] === 'master' && ((await m.role()) as string[])[0] === 'slave' ? true : undefined));
  assert.is(await replInfo(m, 'master_failover_state'), 'no-failover');
  await r.set('new', 'master');
  await converged(replica, master);
  assert.is(Number(infoField(await r.info('stats'), 'sync_partial_ok')), 1);
  assert.is(Number(infoField(await r.info('stats'), 'sync_full')), 0);
});

test('redis-cli --rdb and --replica against a Ferrite master', async () => {
  const master = await startNode('ferrite');
  const m = master.client();
  await writeMixed(m, 'cli', 50);
  const file = join(master.dir, 'cli-dump.rdb');
  const code = await new Promise<number | null>((resolve) => spawn('redis-cli', ['-p', String(master.port), '--rdb', file], { stdio: 'ignore' }).on('exit', resolve));
  assert.is(code, 0);
  assert.ok(existsSync(file) && statSync(file).size > 0);
  const check = await new Promise<string>((resolve) => {
    let out = '';
    const c = spawn('redis-check-rdb', [file]);
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', () => resolve(out));
  });
  assert.match(check, /RDB looks OK!/);
  const cli = spawn('redis-cli', ['-p', String(master.port), '--replica']);
  let seen = '';
  cli.stdout.on('data', (d) => (seen += d));
  cli.stderr.on('data', (d) => (seen += d));
  await eventually('the replica stream to start', async () => (/SYNC done/.test(seen) ? true : undefined));
  await m.set('via-cli', 'streamed');
  await eventually('the write on the stream', async () => (seen.includes('via-cli') ? true : undefined));
  cli.kill('SIGKILL');
});

test.run();
