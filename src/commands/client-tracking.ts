// CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (networking.c's clientCommand): turning
// client-side caching on and off with Redis' option checks, in Redis' words.
import { is, parseInteger } from './args.js';
import * as E from '../engine/errors.js';
import type { CommandContext, CommandSpec } from '../engine/types.js';

const PREFIX_OVERLAP = 'Prefixes for a single client must not overlap.';

/** One is a prefix of the other (stringCheckPrefix). */
function overlaps(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

/** checkPrefixCollisionsOrReply: an error line, or undefined. */
function prefixCollision(existing: readonly string[], given: readonly string[]): string | undefined {
  for (let i = 0; i < given.length; i++) {
    const clash = existing.find((p) => overlaps(p, given[i]));
    if (clash !== undefined) return `ERR Prefix '${given[i]}' overlaps with an existing prefix '${clash}'. ${PREFIX_OVERLAP}`;
    for (let j = i + 1; j < given.length; j++) {
      if (overlaps(given[i], given[j])) return `ERR Prefix '${given[i]}' overlaps with another provided prefix '${given[j]}'. ${PREFIX_OVERLAP}`;
    }
  }
  return undefined;
}

function tracking(ctx: CommandContext, argv: string[]): void {
  const server = ctx.server;
  let redirect = 0;
  const options = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = j < argv.length - 1;
    if (is(argv[j], 'REDIRECT') && more) {
      j++;
      if (redirect !== 0) return ctx.reply.error('ERR A client can only redirect to a single other client');
      const id = parseInteger(argv[j]);
      if (id === undefined) return ctx.reply.error(E.NOT_INTEGER);
      redirect = id;
      if (!server.clients.has(redirect)) return ctx.reply.error('ERR The client ID you want redirect to does not exist');
    } else if (is(argv[j], 'BCAST')) options.bcast = true;
    else if (is(argv[j], 'OPTIN')) options.optin = true;
    else if (is(argv[j], 'OPTOUT')) options.optout = true;
    else if (is(argv[j], 'NOLOOP')) options.noloop = true;
    else if (is(argv[j], 'PREFIX') && more) prefixes.push(argv[++j]);
    else return ctx.reply.error(E.SYNTAX);
  }
  const table = server.tracking;
  if (is(argv[2], 'OFF')) {
    table.disable(ctx.client);
    return ctx.reply.ok();
  }
  if (!is(argv[2], 'ON')) return ctx.reply.error(E.SYNTAX);
  const error = trackingOnError(ctx, options, prefixes);
  if (error !== undefined) return ctx.reply.error(error);
  table.enable(ctx.client, redirect, options, prefixes);
  ctx.reply.ok();
}

/** CLIENT TRACKING ON's checks of the options against each other and the client's current mode. */
function trackingOnError(ctx: CommandContext, o: { bcast: boolean; optin: boolean; optout: boolean }, prefixes: string[]): string | undefined {
  const current = ctx.server.tracking.stateOf(ctx.client);
  if (!o.bcast && prefixes.length > 0) return 'ERR PREFIX option requires BCAST mode to be enabled';
  if (current !== undefined && current.bcast !== o.bcast) {
    return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.";
  }
  if (o.bcast && (o.optin || o.optout)) return 'ERR OPTIN and OPTOUT are not compatible with BCAST';
  if (o.optin && o.optout) return "ERR You can't specify both OPTIN mode and OPTOUT mode";
  if (current !== undefined && ((o.optin && current.optout) || (o.optout && current.optin))) {
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.";
  }
  if (o.bcast) return prefixCollision(current?.prefixes ?? [], prefixes);
  return undefined;
}

function caching(ctx: CommandContext, argv: string[]): void {
  const state = ctx.server.tracking.stateOf(ctx.client);
  if (state === undefined) {
    return ctx.reply.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  }
  if (is(argv[2], 'YES')) {
    if (!state.optin) return ctx.reply.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (is(argv[2], 'NO')) {
    if (!state.optout) return ctx.reply.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else {
    return ctx.reply.error(E.SYNTAX);
  }
  state.caching = true;
  ctx.reply.ok();
}

function getredir(ctx: CommandContext): void {
  ctx.reply.int(ctx.server.tracking.stateOf(ctx.client)?.redirect ?? -1);
}

function trackinginfo(ctx: CommandContext): void {
  const state = ctx.server.tracking.stateOf(ctx.client);
  const flags: string[] = [state === undefined ? 'off' : 'on'];
  if (state !== undefined) {
    if (state.bcast) flags.push('bcast');
    if (state.optin) flags.push('optin');
    if (state.optin && state.caching) flags.push('caching-yes');
    if (state.optout) flags.push('optout');
    if (state.optout && state.caching) flags.push('caching-no');
    if (state.noloop) flags.push('noloop');
    if (state.brokenRedirect) flags.push('broken_redirect');
  }
  const r = ctx.reply;
  r.map(3);
  r.bulk('flags');
  r.set(flags.length);
  for (const f of flags) r.bulk(f);
  r.bulk('redirect');
  r.int(state?.redirect ?? -1);
  r.bulk('prefixes');
  const prefixes = state?.prefixes ?? [];
  r.array(prefixes.length);
  for (const p of [...prefixes].sort()) r.bulk(p);
}

const FLAGS: CommandSpec['flags'] = ['noscript', 'loading', 'stale'];

export const trackingSubcommands: CommandSpec[] = [
  { name: 'client|tracking', arity: -3, flags: FLAGS, group: 'connection', since: '6.0.0', summary: 'Controls server-assisted client-side caching for the connection.', run: tracking },
  { name: 'client|caching', arity: 3, flags: FLAGS, group: 'connection', since: '6.0.0', summary: 'Instructs the server whether to track the keys in the next request.', run: caching },
  { name: 'client|getredir', arity: 2, flags: FLAGS, group: 'connection', since: '6.0.0', summary: 'Returns the client ID to which the connection\'s tracking notifications are redirected.', run: getredir },
  { name: 'client|trackinginfo', arity: 2, flags: FLAGS, group: 'connection', since: '6.2.0', summary: 'Returns information about server-assisted client-side caching for the connection.', run: trackinginfo },
];
