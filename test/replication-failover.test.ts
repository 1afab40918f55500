// FAILOVER's options against real processes, the same scenario on redis-server and on Ferrite:
// the error texts, TIMEOUT (gives up and stays master when the replica does not catch up), FORCE
// (fails over anyway once the timeout passed), ABORT, and INFO master_failover_state during each;
// replica authentication (masterauth with requirepass, masteruser + masterauth with an ACL user);
// and repl-backlog-ttl freeing the backlog of a master left without replicas. The replica is
// held back with SIGSTOP so it cannot acknowledge the master's stream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { eventually, replInfo, startNode, stopAll, waitInSync, type Node } from './helpers/replication.js';

test.after.each(stopAll);

const KINDS = ['redis', 'ferrite'] as const;

function reply(p: Promise<unknown>): Promise<string> {
  return p.then(String, (e: Error) => e.message);
}

async function pair(kind: 'redis' | 'ferrite'): Promise<{ master: Node; replica: Node; m: Redis; r: Redis }> {
  const master = await startNode(kind);
  const m = master.client();
  const replica = await startNode(kind, ['--replicaof', '127.0.0.1', String(master.port)]);
  const r = replica.client();
  await m.set('k', 'v');
  await waitInSync(m, r);
  return { master, replica, m, r };
}

function stateIs(c: Redis, want: string): Promise<true> {
  return eventually(`master_failover_state ${want}`, async () => ((await replInfo(c, 'master_failover_state')) === want ? true : undefined));
}

function roleIs(c: Redis, want: string): Promise<true> {
  return eventually(`role ${want}`, async () => ((((await c.role()) as string[])[0]) === want ? true : undefined));
}

for (const kind of KINDS) {
  test(`${kind}: FAILOVER error texts`, async () => {
    const lone = await startNode(kind);
    const l = lone.client();
    assert.is(await reply(l.call('FAILOVER')), 'ERR FAILOVER requires connected replicas.');
    assert.is(await reply(l.call('FAILOVER', 'ABORT')), 'ERR No failover in progress.');
    assert.is(await reply(l.call('FAILOVER', 'TO', '127.0.0.1')), 'ERR syntax error');
    assert.is(await reply(l.call('FAILOVER', 'TO', '127.0.0.1', 'abc')), 'ERR value is not an integer or out of range');
    assert.is(await reply(l.call('FAILOVER', 'TIMEOUT', '0')), 'ERR FAILOVER timeout must be greater than 0');
    assert.is(await reply(l.call('FAILOVER', 'TIMEOUT', '10', 'TIMEOUT', '10')), 'ERR syntax error');
    const { replica, m, r } = await pair(kind);
    assert.is(await reply(m.call('FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'FORCE')), 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    assert.is(await reply(m.call('FAILOVER', 'FORCE', 'TIMEOUT', '100')), 'ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
    assert.is(await reply(m.call('FAILOVER', 'TIMEOUT', '-1')), 'ERR FAILOVER timeout must be greater than 0');
    assert.is(await reply(m.call('FAILOVER', 'TIMEOUT')), 'ERR syntax error');
    assert.is(await reply(m.call('FAILOVER', 'ABORT', 'TIMEOUT', '10')), 'ERR syntax error');
    assert.is(await reply(r.call('FAILOVER')), 'ERR FAILOVER is not valid when server is a replica.');
    assert.is(await replInfo(m, 'master_failover_state'), 'no-failover');
  });

  test(`${kind}: FAILOVER TIMEOUT gives up when the replica does not catch up; ABORT; already in progress`, async () => {
    const { replica, m, r } = await pair(kind);
    replica.process.kill('SIGSTOP');
    try {
      await m.set('behind', '1');
      assert.is(await m.call('FAILOVER', 'TIMEOUT', '300'), 'OK');
      assert.is(await replInfo(m, 'master_failover_state'), 'waiting-for-sync');
      assert.is(await reply(m.call('FAILOVER')), 'ERR FAILOVER already in progress.');
      await stateIs(m, 'no-failover');
      assert.is(((await m.role()) as string[])[0], 'master');
      assert.is(await m.set('after-timeout', '1'), 'OK');
      assert.is(await m.call('FAILOVER'), 'OK');
      assert.is(await replInfo(m, 'master_failover_state'), 'waiting-for-sync');
      assert.is(await m.call('FAILOVER', 'ABORT'), 'OK');
      assert.is(await replInfo(m, 'master_failover_state'), 'no-failover');
      assert.is(await m.set('after-abort', '1'), 'OK');
    } finally {
      replica.process.kill('SIGCONT');
    }
    await waitInSync(m, r);
    assert.is(await r.get('after-abort'), '1');
    assert.is(((await r.role()) as string[])[0], 'slave');
  });

  test(`${kind}: FAILOVER TO host port FORCE fails over after the timeout`, async () => {
    const { replica, m, r } = await pair(kind);
    replica.process.kill('SIGSTOP');
    try {
      await m.set('behind', '1');
      assert.is(await m.call('FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'FORCE', 'TIMEOUT', '200'), 'OK');
      assert.is(await replInfo(m, 'master_failover_state'), 'waiting-for-sync');
      await stateIs(m, 'failover-in-progress');
      // Already turned towards the target, whose answer to PSYNC FAILOVER ends the failover.
      const role = (await m.role()) as unknown[];
      assert.equal(role.slice(0, 3), ['slave', '127.0.0.1', replica.port]);
      assert.is(await replInfo(m, 'master_host'), '127.0.0.1');
    } finally {
      replica.process.kill('SIGCONT');
    }
    await roleIs(r, 'master');
    await roleIs(m, 'slave');
    await stateIs(m, 'no-failover');
    assert.is(await r.get('behind'), '1');
  });

  test(`${kind}: FAILOVER ABORT while the forced failover is in progress: back to master`, async () => {
    const { replica, m, r } = await pair(kind);
    replica.process.kill('SIGSTOP');
    try {
      await m.set('behind', '1');
      assert.is(await m.call('FAILOVER', 'TO', '127.0.0.1', String(replica.port), 'FORCE', 'TIMEOUT', '200'), 'OK');
      await stateIs(m, 'failover-in-progress');
      assert.is(await m.call('FAILOVER', 'ABORT'), 'OK');
      assert.is(await replInfo(m, 'master_failover_state'), 'no-failover');
      await roleIs(m, 'master');
      assert.is(await m.set('after-abort', '1'), 'OK');
    } finally {
      replica.process.kill('SIGCONT');
    }
    await waitInSync(m, r);
    assert.is(await r.get('after-abort'), '1');
    assert.is(((await r.role()) as string[])[0], 'slave');
  });
}

for (const kind of KINDS) {
  test(`${kind}: masterauth against a master with requirepass; masteruser + masterauth with an ACL user`, async () => {
    const master = await startNode(kind, ['--requirepass', 'sekret']);
    const m = new Redis({ port: master.port, host: '127.0.0.1', password: 'sekret', maxRetriesPerRequest: 0, retryStrategy: () => null });
    m.on('error', () => undefined);
    try {
      await m.set('a', '1');
      const replica = await startNode(kind, ['--replicaof', '127.0.0.1', String(master.port), '--masterauth', 'sekret']);
      const r = replica.client();
      await waitInSync(m, r);
      assert.is(await r.get('a'), '1');
      assert.is(await m.call('ACL', 'SETUSER', 'repl', 'on', '>replpass', '+psync', '+replconf', '+ping'), 'OK');
      const other = await startNode(kind, ['--replicaof', '127.0.0.1', String(master.port), '--masteruser', 'repl', '--masterauth', 'replpass']);
      const o = other.client();
      await waitInSync(m, o);
      assert.is(await o.get('a'), '1');
      assert.is(await replInfo(m, 'connected_slaves'), '2');
      // A wrong password keeps the link down.
      const wrong = await startNode(kind, ['--replicaof', '127.0.0.1', String(master.port), '--masteruser', 'repl', '--masterauth', 'nope']);
      await eventually('the failed AUTH in the log', async () => (/Unable to AUTH to MASTER/.test(wrong.log()) ? true : undefined));
      assert.is(await replInfo(wrong.client(), 'master_link_status'), 'down');
    } finally {
      m.disconnect();
    }
  });

  test(`${kind}: repl-backlog-ttl frees the backlog of a master without replicas`, async () => {
    const { replica, m } = await pair(kind);
    assert.is(await replInfo(m, 'repl_backlog_active'), '1');
    assert.is(await m.config('SET', 'repl-backlog-ttl', '1'), 'OK');
    await replica.kill();
    await eventually('the replica to be gone', async () => ((await replInfo(m, 'connected_slaves')) === '0' ? true : undefined));
    await eventually('the backlog to be freed', async () => ((await replInfo(m, 'repl_backlog_active')) === '0' ? true : undefined), 8000);
    assert.is(await replInfo(m, 'repl_backlog_histlen'), '0');
  });
}

for (const kind of KINDS) {
  test(`${kind}: replica-announce-ip/port is what the master lists for the replica (INFO, ROLE)`, async () => {
    const master = await startNode(kind);
    const m = master.client();
    const replica = await startNode(kind, ['--replicaof', '127.0.0.1', String(master.port), '--replica-announce-ip', '10.1.2.3', '--replica-announce-port', '6999']);
    await waitInSync(m, replica.client());
    await eventually('the announced address', async () => (/slave0:ip=10\.1\.2\.3,port=6999,state=online/.test(String(await m.info('replication'))) ? true : undefined));
    const role = (await m.call('ROLE')) as [string, number, [string, string, string][]];
    assert.equal(role[2].map(([ip, port]) => [ip, port]), [['10.1.2.3', '6999']], kind);
  });
}

for (const kind of KINDS) {
  test(`${kind}: repl-diskless-sync-max-replicas starts a delayed diskless sync as soon as that many replicas wait`, async () => {
    // A 60 s delay that only the max-replicas rule can cut short within the 10 s wait below.
    const master = await startNode(kind, ['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '60', '--repl-diskless-sync-max-replicas', '1']);
    const m = master.client();
    await m.set('k', 'v');
    const replica = await startNode(kind, ['--replicaof', '127.0.0.1', String(master.port)]);
    await waitInSync(m, replica.client(), 10_000);
    assert.is(await replica.client().get('k'), 'v', kind);
  });
}

test.run();
