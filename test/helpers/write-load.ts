// A write load whose every acknowledged write is recorded: each client increments its own counter
// (the acknowledged value is what INCR replied) until the server goes away, so after a crash and a
// restart each counter must be at least its last acknowledged value.
import { Redis } from 'ioredis';
import * as assert from 'uvu/assert';

/**
 * Runs `clients` connections doing INCR on their own key until the connection fails; resolves with
 * the highest acknowledged value per key (starting from `from`).
 */
export async function acknowledgedLoad(port: number, clients: number, from: Map<string, number>): Promise<Map<string, number>> {
  const acked = new Map(from);
  await Promise.all(Array.from({ length: clients }, async (_, i) => {
    const key = `counter:${i}`;
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    c.on('error', () => undefined);
    try {
      await c.connect();
      for (;;) {
        // Three in flight at a time, so a kill lands between a write and its reply.
        const replies = await Promise.all([c.incr(key), c.incr(key), c.incr(key)]);
        acked.set(key, Math.max(acked.get(key) ?? 0, ...replies));
      }
    } catch {
      // The server was killed: what was acknowledged so far is recorded.
    } finally {
      c.disconnect();
    }
  }));
  return acked;
}

/** Every counter is at least its last acknowledged value. */
export async function verifyAcknowledged(port: number, acked: Map<string, number>): Promise<void> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await c.connect();
  try {
    for (const [key, value] of acked) {
      const now = Number(await c.get(key));
      assert.ok(now >= value, `${key} is ${now} after restart, ${value} was acknowledged`);
    }
  } finally {
    c.disconnect();
  }
}
