// The redis side of the pool: a command goes to the server of its key; MGET, MSET, DEL, UNLINK,
// EXISTS and TOUCH are split per server and merged in the caller's order; other multi-key commands
// go through when every key lives on one server, else fail naming the servers involved.
import { ReplyError, RoutingError } from './errors.js';
import type { RedisReply } from './node-connection.js';
import { PoolCore, type PoolNode } from './pool-core.js';
import { planCommand, type Argument, type Merge } from './redis-routing.js';

export class RedisPool extends PoolCore {
  /** Sends a command to the server(s) its keys live on; resolves with the (merged) reply. */
  async call(command: string, ...args: Argument[]): Promise<RedisReply> {
    this.assertOpen();
    const argv: Argument[] = [command, ...args];
    const plan = planCommand(argv);
    if (plan.kind === 'key') return this.nodeFor(plan.key).connection.redis(argv);
    if (plan.kind === 'keys') return this.callOnKeysNode(argv, plan.keys);
    return this.split(argv, plan.step, plan.merge);
  }

  /** Sends a command to one server ("host:port" or its name), e.g. FLUSHALL, INFO, SCAN. */
  async callOn(server: string, command: string, ...args: Argument[]): Promise<RedisReply> {
    this.assertOpen();
    return this.nodeAt(server).connection.redis([command, ...args]);
  }

  private callOnKeysNode(argv: Argument[], keys: Argument[]): Promise<RedisReply> {
    if (keys.length === 0) throw new RoutingError(`'${String(argv[0])}' names no key to route by`);
    const nodes = new Map<string, Argument[]>();
    for (const key of keys) {
      const address = this.nodeFor(key).spec.address;
      const list = nodes.get(address) ?? [];
      list.push(key);
      nodes.set(address, list);
    }
    if (nodes.size > 1) {
      const where = [...nodes].map(([address, ks]) => `${ks.map(String).join(', ')} on ${address}`).join('; ');
      throw new RoutingError(`'${String(argv[0]).toLowerCase()}' has keys on more than one server (${where}); use a hash tag to keep them together`);
    }
    return this.nodeFor(keys[0]).connection.redis(argv);
  }

  /** One sub-command per server with that server's keys (and values), merged back in argument order. */
  private async split(argv: Argument[], step: 1 | 2, merge: Merge): Promise<RedisReply> {
    const command = argv[0];
    const groups = new Map<number, { node: PoolNode; args: Argument[]; positions: number[] }>();
    let index = 0;
    for (let i = 1; i < argv.length; i += step, index++) {
      const node = this.nodeFor(argv[i]);
      const at = this.nodes.indexOf(node);
      let group = groups.get(at);
      if (group === undefined) {
        group = { node, args: [command], positions: [] };
        groups.set(at, group);
      }
      for (let j = 0; j < step; j++) group.args.push(argv[i + j]);
      group.positions.push(index);
    }
    const parts = [...groups.values()];
    const replies = await Promise.all(parts.map((g) => g.node.connection.redis(g.args)));
    if (merge === 'sum') return replies.reduce<number>((sum, r) => sum + (typeof r === 'number' ? r : 0), 0);
    if (merge === 'ok') {
      const bad = replies.find((r) => (Buffer.isBuffer(r) ? r.toString() : r) !== 'OK');
      if (bad !== undefined) throw new ReplyError(parts[replies.indexOf(bad)].node.spec.address, `unexpected reply to a split ${String(command)}: ${JSON.stringify(bad)}`);
      return replies[0];
    }
    const out: RedisReply[] = new Array(index);
    parts.forEach((g, p) => {
      const reply = replies[p];
      if (!Array.isArray(reply) || reply.length !== g.positions.length) {
        throw new ReplyError(g.node.spec.address, `unexpected reply to a split ${String(command)}`);
      }
      g.positions.forEach((pos, k) => (out[pos] = reply[k]));
    });
    return out;
  }
}
