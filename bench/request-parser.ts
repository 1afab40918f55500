// Our RESP request parser against redis-parser (a reply parser) on the same pipelined request
// stream: CPU time per request, in process. The decision this backs is in docs/decisions.md.
import RedisParser from 'redis-parser';
import { RequestParser } from '../src/protocol/request-parser.js';

function pipeline(count: number): Buffer {
  const one = Buffer.from('*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$3\r\nxyz\r\n*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000042\r\n', 'latin1');
  return Buffer.concat(Array.from({ length: count / 2 }, () => one));
}

/** Splits the stream into reads of the size a socket typically delivers. */
function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

function timeOurs(reads: Buffer[]): number {
  const parser = new RequestParser({ maxBulkLength: 512 * 1024 * 1024, maxQueryBuffer: 1024 * 1024 * 1024 });
  let n = 0;
  const start = process.cpuUsage();
  for (const r of reads) {
    parser.feed(r);
    while (parser.next() !== undefined) n++;
  }
  const used = process.cpuUsage(start);
  if (n === 0) throw new Error('nothing parsed');
  return (used.user + used.system) / n;
}

function timeRedisParser(reads: Buffer[]): number {
  let n = 0;
  // Strings come back as utf8 by default; ask for buffers and decode latin1, which is what a server needs.
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (reply: Buffer[]) => {
      reply.map((b) => b.toString('latin1'));
      n++;
    },
    returnError: () => undefined,
  });
  const start = process.cpuUsage();
  for (const r of reads) parser.execute(r);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

export async function runRequestParserBench(quick = false): Promise<string> {
  const reads = chunks(pipeline(quick ? 200_000 : 1_000_000), 16 * 1024);
  // Warm both up so the JIT has compiled them before timing.
  timeOurs(reads.slice(0, 50));
  timeRedisParser(reads.slice(0, 50));
  const ours = Math.min(timeOurs(reads), timeOurs(reads));
  const theirs = Math.min(timeRedisParser(reads), timeRedisParser(reads));
  return [
    '| parser | CPU µs per request | relative |',
    '|---|---:|---:|',
    `| Ferrite RequestParser | ${ours.toFixed(3)} | 1.00 |`,
    `| redis-parser 3.0.0 (returnBuffers + latin1) | ${theirs.toFixed(3)} | ${(theirs / ours).toFixed(2)} |`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runRequestParserBench(process.argv.includes('quick')));
