// Replication with Debian's redis-server 7.0 both ways, real processes: full sync, a cut link and
// a partial resync (+CONTINUE, no second full sync), then a promotion after which the old master
// follows the new one partially (PSYNC2); datasets equal key by key (type, value, expiry) each step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dumpDataset, eventually, infoField, replInfo, startNode, startProxy, stopAll, waitInSync, writeMixed, type Node } from './helpers/replication.js';

test.after.each(stopAll);

async function stats(node: Node): Promise<{ full: number; partialOk: number }> {
  const info = await node.client().info('stats');
  return { full: Number(infoField(info, 'sync_full')), partialOk: Number(infoField(info, 'sync_partial_ok')) };
}

async function assertSameData(a: Node, b: Node): Promise<void> {
  const [da, db] = await Promise.all([dumpDataset(a.client()), dumpDataset(b.client())]);
  assert.ok(Object.keys(da).length > 0);
  assert.equal(db, da);
}

async function scenario(masterKind: 'ferrite' | 'redis', replicaKind: 'ferrite' | 'redis'): Promise<void> {
  const master = await startNode(masterKind);
  const m = master.client();
  await writeMixed(m, 'before', 200);
  const proxy = await startProxy(master.port);
  const replica = await startNode(replicaKind, ['--replicaof', '127.0.0.1', String(proxy.port)]);
  const r = replica.client();
  await waitInSync(m, r);
  await assertSameData(master, replica);
  assert.equal(await stats(master), { full: 1, partialOk: 0 });

  // The stream: commands of every kind, with SELECTs, expiries and a transaction.
  await writeMixed(m, 'stream', 50);
  await m.multi().incr('counter').incrbyfloat('float', '1.5').expire('counter', 1000).exec();
  await m.set('short', 'lived', 'PX', 30);
  await eventually('the short key to expire on the master', async () => ((await m.exists('short')) === 0 ? true : undefined));
  await waitInSync(m, r);
  await assertSameData(master, replica);

  // Cut the link while the stream is on database 1, write while it is down: the replica continues
  // from the backlog, mid-stream, in the database it was in.
  const m1 = master.client();
  await m1.select(1);
  await m1.set('db1:before-cut', 'x');
  await waitInSync(m, r);
  proxy.cut();
  await m1.set('db1:during-cut', 'y');
  await writeMixed(m, 'during-cut', 30);
  await waitInSync(m, r);
  await assertSameData(master, replica);
  assert.equal(await stats(master), { full: 1, partialOk: 1 });

  // Promotion: the replica becomes a master, the old master follows it and continues its own history.
  // A write WAIT confirmed survives it.
  await m.set('acknowledged', 'by WAIT');
  assert.is(await m.wait(1, 5000), 1);
  await r.replicaof('NO', 'ONE');
  assert.is(await r.get('acknowledged'), 'by WAIT');
  await r.set('after-promotion', 'yes');
  await m.replicaof('127.0.0.1', String(replica.port));
  await waitInSync(r, m);
  await assertSameData(replica, master);
  assert.equal(await stats(replica), { full: 0, partialOk: 1 });
  assert.is(await m.get('after-promotion'), 'yes');
  assert.is(await replInfo(m, 'master_replid'), await replInfo(r, 'master_replid'));
}

test('redis-server replica of a Ferrite master: full sync, partial resync, promotion', () => scenario('ferrite', 'redis'));

test('Ferrite replica of a redis-server master: full sync, partial resync, promotion', () => scenario('redis', 'ferrite'));

test('Ferrite master and Ferrite replica, disk-based sync (repl-diskless-sync no)', async () => {
  const master = await startNode('ferrite', ['--repl-diskless-sync', 'no']);
  const m = master.client();
  await writeMixed(m, 'k', 100);
  const replica = await startNode('ferrite', ['--replicaof', '127.0.0.1', String(master.port)]);
  await waitInSync(m, replica.client());
  await assertSameData(master, replica);
  assert.match(master.log(), /Starting BGSAVE for SYNC with target: disk/);
  // As redis-server: a replica's lines say S where a master's say M.
  assert.match(replica.log(), new RegExp(`^${replica.process.pid}:S \\d\\d \\w{3} \\d{4} [\\d:.]+ \\* .*MASTER <-> REPLICA sync`, 'm'));
  assert.match(master.log(), new RegExp(`^${master.process.pid}:M .*Starting BGSAVE for SYNC`, 'm'));
});

test('a chained replica receives the stream verbatim and keeps the same offsets', async () => {
  const master = await startNode('redis');
  const middle = await startNode('ferrite', ['--replicaof', '127.0.0.1', String(master.port)]);
  const leaf = await startNode('redis', ['--replicaof', '127.0.0.1', String(middle.port)]);
  const m = master.client();
  await writeMixed(m, 'chain', 100);
  await waitInSync(m, middle.client());
  await waitInSync(m, leaf.client());
  await assertSameData(master, leaf);
  assert.is(await replInfo(leaf.client(), 'master_replid'), await replInfo(m, 'master_replid'));
  assert.is(await replInfo(leaf.client(), 'slave_repl_offset'), await replInfo(m, 'master_repl_offset'));
});

test('WAIT counts the replicas that acknowledged the writes; ROLE lists them', async () => {
  const master = await startNode('ferrite');
  const m = master.client();
  assert.is(await m.wait(1, 50), 0);
  const replicas = [await startNode('redis', ['--replicaof', '127.0.0.1', String(master.port)]), await startNode('ferrite', ['--replicaof', '127.0.0.1', String(master.port)])];
  for (const rep of replicas) await waitInSync(m, rep.client());
  await m.set('k', 'v');
  assert.is(await m.wait(2, 5000), 2);
  const role = (await m.role()) as [string, number, string[][]];
  assert.is(role[0], 'master');
  assert.equal(role[2].map((x) => x[1]).sort(), replicas.map((x) => String(x.port)).sort());
  // min-replicas-to-write: NOREPLICAS while too few replicas acknowledged within the lag.
  await m.config('SET', 'min-replicas-to-write', '3');
  assert.match(await m.set('k', 'x').then(String, (e: Error) => e.message), /NOREPLICAS Not enough good replicas to write\./);
  await m.config('SET', 'min-replicas-to-write', '2');
  assert.is(await m.set('k', 'v'), 'OK');
  assert.is(await replInfo(m, 'min_slaves_good_slaves'), '2');
  await m.config('SET', 'min-replicas-to-write', '0');
  await replicas[0].kill();
  await m.set('k', 'w');
  assert.is(await m.wait(2, 200), 1);
  // A replica refuses WAIT.
  const err = await replicas[1]
    .client()
    .wait(1, 10)
    .then(() => '', (e: Error) => e.message);
  assert.match(err, /WAIT cannot be used with replica instances/);
});

test.run();
