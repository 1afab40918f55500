// BullMQ, the job queue, on Ferrite as an application would use it: a Queue, Workers with
// concurrency, QueueEvents (XREAD BLOCK on the events stream), delayed and prioritized jobs,
// retries with backoff, a FlowProducer parent/children flow, a rate limiter and a job scheduler.
// The same scenario runs on Debian's redis-server, and the jobs' final states, results and the
// events seen must be the same on both.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FlowProducer, Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { RunningServer } from '../src/index.js';
import { startFerrite, startRedis, type ExternalServer } from './helpers/servers.js';

let redis: ExternalServer;
let ferrite: RunningServer;

test.before(async () => {
  [redis, ferrite] = await Promise.all([startRedis(), startFerrite()]);
});

test.after(async () => {
  await Promise.all([ferrite?.close(), redis?.close()]);
});

interface Outcome {
  jobs: Record<string, { state: string; result: unknown; attempts: number }>;
  events: Record<string, number>;
  processingOrder: string[];
  flowParent: { state: string; result: unknown; children: unknown };
  schedulerRuns: number;
  limited: number;
}

/** Resolves when `check` holds, polling; the whole test has uvu's time to get there. */
async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

async function scenario(port: number): Promise<Outcome> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const name = 'orders';
  const queue = new Queue(name, { connection });
  // From the stream's start, so that no event is lost to the race of the first XREAD BLOCK with the first add.
  const events = new QueueEvents(name, { connection, lastEventId: '0-0' });
  await events.waitUntilReady();
  const seen: Record<string, number> = {};
  const listened = ['added', 'waiting', 'active', 'completed', 'failed', 'delayed', 'retries-exhausted', 'waiting-children'] as const;
  for (const e of listened) events.on(e, () => void (seen[e] = (seen[e] ?? 0) + 1));
  const order: string[] = [];
  // One worker, concurrency 1, started after the jobs are added: priorities decide the order.
  const added: Job[] = [];
  added.push(await queue.add('plain', { n: 1 }));
  added.push(await queue.add('urgent', { n: 2 }, { priority: 1 }));
  added.push(await queue.add('low', { n: 3 }, { priority: 10 }));
  added.push(await queue.add('later', { n: 4 }, { delay: 150 }));
  added.push(await queue.add('flaky', { n: 5, failTimes: 2 }, { attempts: 3, backoff: { type: 'exponential', delay: 20 } }));
  added.push(await queue.add('doomed', { n: 6, failTimes: 9 }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } }));
  const handler = async (job: Job): Promise<unknown> => {
    order.push(job.name);
    if (job.data.failTimes !== undefined && job.attemptsMade < job.data.failTimes) throw new Error(`fail ${job.attemptsMade}`);
    if (job.name === 'parent') return { children: Object.keys(await job.getChildrenValues()).length };
    return job.data.n * 10;
  };
  const worker = new Worker(name, handler, { connection, concurrency: 1 });
  const ids = added.map((j) => j.id!);
  await until(async () => {
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    return states.every((s) => s === 'completed' || s === 'failed');
  });
  // A flow: the parent runs once its two children are done; concurrency 4 from here on.
  worker.concurrency = 4;
  const flows = new FlowProducer({ connection });
  const flow = await flows.add({
    name: 'parent', queueName: name, data: { n: 7 },
    children: [{ name: 'child', queueName: name, data: { n: 8 } }, { name: 'child', queueName: name, data: { n: 9 } }],
  });
  await until(async () => (await queue.getJobState(flow.job.id!)) === 'completed');
  await Promise.all([worker.close(), flows.close()]);
  // A rate-limited worker: 2 jobs per 300 ms; 5 jobs need at least two waits.
  const limitedQueue = new Queue(`${name}-limited`, { connection });
  const limitedWorker = new Worker(`${name}-limited`, async () => 'ok', { connection, limiter: { max: 2, duration: 300 } });
  const limitedIds = await Promise.all(Array.from({ length: 5 }, (_, i) => limitedQueue.add('l', { i }).then((j) => j.id!)));
  await until(async () => (await limitedQueue.getCompletedCount()) === 5);
  // A job scheduler producing three runs.
  const schedQueue = new Queue(`${name}-sched`, { connection });
  const schedWorker = new Worker(`${name}-sched`, async () => 'tick', { connection });
  await schedQueue.upsertJobScheduler('every-50ms', { every: 50, limit: 3 }, { name: 'tick' });
  await until(async () => (await schedQueue.getCompletedCount()) === 3);
  // QueueEvents reads the events stream on its own connection: wait until it has delivered every
  // event the stream holds (of the kinds listened to) before counting.
  const raw = new Redis({ host: '127.0.0.1', port });
  const inStream: Record<string, number> = {};
  for (const [, fields] of await raw.xrange(`bull:${name}:events`, '-', '+')) {
    const event = fields[fields.indexOf('event') + 1];
    if ((listened as readonly string[]).includes(event)) inStream[event] = (inStream[event] ?? 0) + 1;
  }
  raw.disconnect();
  await until(() => listened.every((e) => (seen[e] ?? 0) >= (inStream[e] ?? 0)));
  const jobs: Outcome['jobs'] = {};
  for (const id of ids) {
    const job = (await queue.getJob(id))!;
    jobs[job.name] = { state: await job.getState(), result: job.returnvalue, attempts: job.attemptsMade };
  }
  const parent = (await queue.getJob(flow.job.id!))!;
  const outcome: Outcome = {
    jobs,
    events: seen,
    processingOrder: order,
    flowParent: { state: await parent.getState(), result: parent.returnvalue, children: (await parent.getDependenciesCount()) },
    schedulerRuns: await schedQueue.getCompletedCount(),
    limited: (await Promise.all(limitedIds.map((id) => limitedQueue.getJobState(id)))).filter((s) => s === 'completed').length,
  };
  await Promise.all([limitedWorker.close(), schedWorker.close()]);
  await events.close();
  for (const q of [queue, limitedQueue, schedQueue]) {
    await q.obliterate({ force: true });
    await q.close();
  }
  return outcome;
}

test('queues, workers, flows, events, retries, rate limits and schedulers work as on redis-server', async () => {
  const onRedis = await scenario(redis.port);
  const onFerrite = await scenario(ferrite.port);
  assert.equal(onFerrite.jobs, onRedis.jobs);
  assert.equal(onFerrite.jobs.flaky, { state: 'completed', result: 50, attempts: 3 });
  assert.equal(onFerrite.jobs.doomed.state, 'failed');
  assert.ok(onFerrite.processingOrder.indexOf('urgent') < onFerrite.processingOrder.indexOf('low'), 'priority 1 before priority 10');
  // Jobs waiting without a priority go first, in order; retries then interleave with timing.
  assert.equal(onFerrite.processingOrder.slice(0, 3), onRedis.processingOrder.slice(0, 3));
  assert.equal(onFerrite.flowParent, onRedis.flowParent);
  assert.equal(onFerrite.flowParent.result, { children: 2 });
  assert.is(onFerrite.schedulerRuns, 3);
  assert.is(onFerrite.limited, 5);
  // How many added/waiting/active/delayed events a run emits depends on timing (a retry's backoff may
  // or may not have passed when the worker looks), on redis-server too: the outcomes' events compare.
  const settled = (e: Record<string, number>) => ({ completed: e.completed, failed: e.failed, 'retries-exhausted': e['retries-exhausted'], 'waiting-children': e['waiting-children'] });
  assert.equal(settled(onFerrite.events), settled(onRedis.events));
  assert.ok((onFerrite.events.added ?? 0) >= 6 && (onFerrite.events.active ?? 0) >= 9, JSON.stringify(onFerrite.events));
  assert.is(onFerrite.events.completed, 8, 'completed events came through the events stream');
  assert.is(onFerrite.events.failed, 1, 'the job out of attempts');
});

test.run();
