// `npm run demo:replication`: a master and two replicas on free ports, writes through the master
// (acknowledged by WAIT), reads from the replicas, the master killed, a replica promoted with
// REPLICAOF NO ONE, the other repointed to it; INFO replication shows the survivor resynced
// partially (+CONTINUE, no full sync) and every acknowledged key is there.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const executable = fileURLToPath(new URL('../../bin/ferrite-server', import.meta.url));

interface Node {
  name: string;
  port: number;
  dir: string;
  child: ChildProcess;
  client: Redis;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no server on port ${port}`);
}

/** Nothing but --port (and a private directory): several servers side by side. */
async function start(name: string, extra: string[] = []): Promise<Node> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `ferrite-demo-${name}-`));
  const child = spawn(executable, ['--port', String(port), '--dir', dir, '--repl-diskless-sync-delay', '0', ...extra], { stdio: 'ignore' });
  await waitForPort(port);
  const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  console.log(`  started ${name} on port ${port} (pid ${child.pid})`);
  return { name, port, dir, child, client };
}

function field(info: string, name: string): string {
  return new RegExp(`^${name}:(.*)\\r?$`, 'm').exec(info)?.[1]?.trim() ?? '';
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function inSync(master: Node, replica: Node): Promise<void> {
  await until(`${replica.name} to catch up with ${master.name}`, async () => {
    const r = await replica.client.info('replication');
    const m = await master.client.info('replication');
    return field(r, 'master_link_status') === 'up' && Number(field(r, 'slave_repl_offset')) >= Number(field(m, 'master_repl_offset'));
  });
}

function show(title: string, info: string, fields: string[]): void {
  console.log(`  ${title}`);
  for (const f of fields) {
    const v = field(info, f);
    if (v !== '') console.log(`    ${f}:${v}`);
  }
}

async function main(): Promise<void> {
  console.log('1. A master and two replicas');
  const master = await start('master');
  const a = await start('replica-a', ['--replicaof', '127.0.0.1', String(master.port)]);
  const b = await start('replica-b', ['--replicaof', '127.0.0.1', String(master.port)]);
  const nodes = [master, a, b];
  try {
    await inSync(master, a);
    await inSync(master, b);

    console.log('\n2. Writes through the master, each batch acknowledged by both replicas (WAIT 2)');
    const acknowledged: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const p = master.client.pipeline();
      for (let i = 0; i < 100; i++) p.set(`key:${batch}:${i}`, `value ${batch}/${i}`);
      await p.exec();
      const acks = await master.client.wait(2, 2000);
      if (acks === 2) for (let i = 0; i < 100; i++) acknowledged.push(`key:${batch}:${i}`);
    }
    console.log(`  ${acknowledged.length} keys acknowledged by 2 replicas`);

    console.log('\n3. Reads from the replicas');
    console.log(`  replica-a GET key:3:7 -> ${await a.client.get('key:3:7')}`);
    console.log(`  replica-b GET key:9:99 -> ${await b.client.get('key:9:99')}`);
    const refused = await a.client.set('x', '1').then(() => 'OK', (e: Error) => e.message);
    console.log(`  replica-a SET x 1 -> ${refused}`);

    console.log('\n4. The master is killed (SIGKILL)');
    master.child.kill('SIGKILL');
    await until('replica-b to see the master down', async () => field(await b.client.info('replication'), 'master_link_status') === 'down');
    console.log('  replica-b: master_link_status:down');

    console.log('\n5. replica-a is promoted (REPLICAOF NO ONE), replica-b repointed to it');
    console.log(`  replica-a REPLICAOF NO ONE -> ${await a.client.replicaof('NO', 'ONE')}`);
    await a.client.set('written-after-failover', 'yes');
    console.log(`  replica-b REPLICAOF 127.0.0.1 ${a.port} -> ${await b.client.replicaof('127.0.0.1', String(a.port))}`);
    await inSync(a, b);

    console.log('\n6. INFO on the survivors');
    show('replica-a (new master): INFO replication / stats', (await a.client.info('replication')) + (await a.client.info('stats')), [
      'role', 'connected_slaves', 'slave0', 'master_replid', 'master_replid2', 'master_repl_offset', 'second_repl_offset', 'sync_full', 'sync_partial_ok',
    ]);
    show('replica-b: INFO replication', await b.client.info('replication'), ['role', 'master_port', 'master_link_status', 'slave_repl_offset', 'master_replid', 'master_replid2']);

    let missingA = 0;
    let missingB = 0;
    for (let i = 0; i < acknowledged.length; i += 500) {
      const keys = acknowledged.slice(i, i + 500);
      missingA += (await a.client.mget(...keys)).filter((v) => v === null).length;
      missingB += (await b.client.mget(...keys)).filter((v) => v === null).length;
    }
    const partial = field(await a.client.info('stats'), 'sync_partial_ok');
    const full = field(await a.client.info('stats'), 'sync_full');
    console.log(`\n  acknowledged keys missing: replica-a ${missingA}, replica-b ${missingB}`);
    console.log(`  replica-b resynced with ${full === '0' && partial === '1' ? 'a PARTIAL resync (+CONTINUE), no full sync' : `sync_full=${full} sync_partial_ok=${partial}`}`);
    console.log(`  replica-b GET written-after-failover -> ${await b.client.get('written-after-failover')}`);
    if (missingA + missingB > 0 || full !== '0') process.exitCode = 1;
  } finally {
    for (const n of nodes) {
      n.client.disconnect();
      n.child.kill('SIGKILL');
      rmSync(n.dir, { recursive: true, force: true });
    }
  }
}

await main();
