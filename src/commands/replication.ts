// Replication commands: REPLICAOF/SLAVEOF, the replica-to-master protocol (REPLCONF, PSYNC, SYNC),
// WAIT, ROLE and FAILOVER. The state machines live in src/replication; these handlers parse and
// answer in Redis 7.0's words.
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';
import { replicationOf } from '../replication/replication.js';
import { is, parseInteger } from './args.js';

function who(ctx: CommandContext): string {
  const t = ctx.client.transport;
  return `user request from 'id=${ctx.client.id} addr=${t?.addr ?? ''} laddr=${t?.laddr ?? ''} fd=${t?.fd ?? -1} name=${ctx.client.name}'`;
}

function replicaof(ctx: CommandContext, argv: string[]): void {
  const repl = replicationOf(ctx.server);
  if (repl.failover.state !== 'no-failover') return ctx.reply.error('ERR REPLICAOF not allowed while failing over.');
  if (is(argv[1], 'NO') && is(argv[2], 'ONE')) {
    repl.promote(who(ctx));
    return ctx.reply.ok();
  }
  if (ctx.client.isReplica) return ctx.reply.error('ERR Command is not valid when client is a replica.');
  const port = parseInteger(argv[2]);
  if (port === undefined || port < 0 || port > 65535) return ctx.reply.error('ERR Invalid master port');
  if (repl.master !== null && repl.master.host === argv[1] && repl.master.port === port) {
    ctx.server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return ctx.reply.simple('OK Already connected to specified master');
  }
  repl.replicaOf(argv[1], port, who(ctx));
  ctx.reply.ok();
}

function replconf(ctx: CommandContext, argv: string[]): void {
  if (argv.length % 2 === 0) return ctx.reply.error(E.SYNTAX);
  const repl = replicationOf(ctx.server);
  const hello = repl.helloOf(ctx.client);
  for (let j = 1; j < argv.length; j += 2) {
    const option = argv[j].toLowerCase();
    const value = argv[j + 1];
    switch (option) {
      case 'listening-port': {
        const port = parseInteger(value);
        if (port === undefined) return ctx.reply.error(E.NOT_INTEGER);
        hello.listeningPort = port;
        break;
      }
      case 'ip-address':
        if (value.length >= 46) return ctx.reply.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
        hello.ipAddress = value;
        break;
      case 'capa':
        // Capabilities this master doesn't know are ignored, as Redis does.
        if (is(value, 'EOF')) hello.capaEof = true;
        else if (is(value, 'PSYNC2')) hello.capaPsync2 = true;
        break;
      case 'ack': {
        // Internal, from a replica: never answered.
        const offset = parseInteger(value);
        if (ctx.client.isReplica && offset !== undefined) repl.ack(ctx.client, offset);
        return;
      }
      case 'getack':
        if (ctx.client.isMaster) repl.master?.sendAck();
        return;
      case 'rdb-only': {
        const v = parseInteger(value);
        if (v === undefined || v < 0 || v > 1) return ctx.reply.error(E.NOT_INTEGER);
        hello.rdbOnly = v === 1;
        break;
      }
      case 'rdb-filter-only':
        // redis-cli --rdb sends it empty (no filter); the functions-only payload is not offered.
        for (const filter of value.split(' ').filter((f) => f !== '')) return ctx.reply.error(`ERR Unsupported rdb-filter-only option: ${filter}`);
        break;
      default:
        return ctx.reply.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  ctx.reply.ok();
}

function psync(ctx: CommandContext, argv: string[]): void {
  const offset = parseInteger(argv[2]);
  if (offset === undefined) return ctx.reply.error(E.NOT_INTEGER);
  const failover = argv.length > 3 && is(argv[3], 'FAILOVER');
  const error = replicationOf(ctx.server).psync(ctx.client, argv[1], offset, false, failover);
  if (error !== undefined) ctx.reply.error(error);
}

function sync(ctx: CommandContext): void {
  const error = replicationOf(ctx.server).psync(ctx.client, '?', -1, true, false);
  if (error !== undefined) ctx.reply.error(error);
}

function wait(ctx: CommandContext, argv: string[]): void {
  const repl = replicationOf(ctx.server);
  if (repl.master !== null) {
    return ctx.reply.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
  }
  const needed = parseInteger(argv[1]);
  if (needed === undefined) return ctx.reply.error(E.NOT_INTEGER);
  const timeout = parseInteger(argv[2]);
  if (timeout === undefined) return ctx.reply.error('ERR timeout is not an integer or out of range');
  if (timeout < 0) return ctx.reply.error('ERR timeout is negative');
  const offset = repl.masterReplOffset;
  const acked = repl.replicasAt(offset);
  // Inside MULTI or a script WAIT can't block: it answers with what it has.
  if (acked >= needed || !ctx.canBlock || ctx.client.transport === null) return ctx.reply.int(acked);
  repl.waits.wait(ctx.client, offset, needed, timeout);
}

function role(ctx: CommandContext): void {
  const repl = replicationOf(ctx.server);
  const r = ctx.reply;
  const link = repl.master;
  if (link === null) {
    const online = [...repl.replicas.values()].filter((l) => l.state === 'online');
    r.array(3);
    r.bulk('master');
    r.int(repl.masterReplOffset);
    r.array(online.length);
    for (const l of online) {
      r.array(3);
      r.bulk(l.ip);
      r.bulk(String(l.port));
      r.bulk(String(l.ackOffset));
    }
    return;
  }
  const states = { connect: 'connect', connecting: 'connecting', handshake: 'handshake', transfer: 'sync', connected: 'connected' } as const;
  r.array(5);
  r.bulk('slave');
  r.bulk(link.host);
  r.int(link.port);
  r.bulk(states[link.state]);
  r.int(link.client !== null ? repl.masterReplOffset : -1);
}

function failover(ctx: CommandContext, argv: string[]): void {
  const repl = replicationOf(ctx.server);
  if (argv.length === 2 && is(argv[1], 'ABORT')) {
    if (repl.failover.state === 'no-failover') return ctx.reply.error('ERR No failover in progress.');
    repl.failover.abort('Failover manually aborted');
    return ctx.reply.ok();
  }
  let timeoutMs = 0;
  let force = false;
  let host: string | undefined;
  let port = 0;
  for (let j = 1; j < argv.length; j++) {
    if (is(argv[j], 'TIMEOUT') && j + 1 < argv.length && timeoutMs === 0) {
      const t = parseInteger(argv[j + 1]);
      if (t === undefined) return ctx.reply.error(E.NOT_INTEGER);
      if (t <= 0) return ctx.reply.error('ERR FAILOVER timeout must be greater than 0');
      timeoutMs = t;
      j++;
    } else if (is(argv[j], 'TO') && j + 2 < argv.length && host === undefined) {
      const p = parseInteger(argv[j + 2]);
      if (p === undefined) return ctx.reply.error(E.NOT_INTEGER);
      host = argv[j + 1];
      port = p;
      j += 2;
    } else if (is(argv[j], 'FORCE') && !force) {
      force = true;
    } else {
      return ctx.reply.error(E.SYNTAX);
    }
  }
  const error = repl.failover.start({ host, port, timeoutMs, force });
  if (error !== undefined) return ctx.reply.error(error);
  ctx.reply.ok();
}

const replicaofSpec = (name: string, summary: string): CommandSpec => ({
  name, arity: 3, flags: ['admin', 'noscript', 'stale', 'no-async-loading'], group: 'server', since: name === 'slaveof' ? '1.0.0' : '5.0.0', summary, complexity: 'O(1)', run: replicaof,
});

export const replicationCommands: CommandSpec[] = [
  replicaofSpec('replicaof', 'Configures a server as replica of another, or promotes it to a master.'),
  replicaofSpec('slaveof', 'Sets a Redis server as a replica of another, or promotes it to being a master.'),
  { name: 'replconf', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'allow-busy'], group: 'server', since: '3.0.0', summary: 'An internal command for configuring the replication stream.', complexity: 'O(1)', run: replconf },
  { name: 'psync', arity: -3, flags: ['admin', 'noscript', 'no-multi', 'no-async-loading'], group: 'server', since: '2.8.0', summary: 'An internal command used in replication.', run: psync },
  { name: 'sync', arity: 1, flags: ['admin', 'noscript', 'no-multi', 'no-async-loading'], group: 'server', since: '1.0.0', summary: 'An internal command used in replication.', run: sync },
  { name: 'wait', arity: 3, flags: ['noscript'], group: 'generic', since: '3.0.0', summary: 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.', complexity: 'O(1)', aclCategories: ['slow', 'connection'], run: wait },
  { name: 'role', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast'], group: 'server', since: '2.8.12', summary: 'Returns the replication role.', complexity: 'O(1)', aclCategories: ['admin', 'dangerous'], run: role },
  { name: 'failover', arity: -1, flags: ['admin', 'noscript', 'stale'], group: 'server', since: '6.2.0', summary: 'Starts a coordinated failover from a server to one of its replicas.', complexity: 'O(1)', run: failover },
];
