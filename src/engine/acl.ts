// The ACL (Redis 7.0 acl.c): the users, the default user and requirepass, authentication, the
// permission check the gate, EXEC and scripts run, the ACL LOG, and the ACL file.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { ALLOWED, AclCommandIndex, AclDenial, AclRuleError, RULE_ERRORS, type AclVerdict } from './acl-selector.js';
import { AclLog, type AclLogContext } from './acl-log.js';
import { AclUser } from './acl-user.js';
import type { Client } from './client.js';
import type { CommandTable } from './command-table.js';
import type { ConfigAccess } from './server-context.js';
import type { CommandSpec } from './types.js';

export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** What the ACL needs from the server: options, connected clients, and how CLIENT LIST describes one. */
export interface AclHost {
  readonly config: ConfigAccess;
  readonly clients: ReadonlyMap<number, Client>;
  describeClient(c: Client): string;
}

/** Splits ACL SETUSER arguments, joining "(...)" selectors given as several (Redis' ACLMergeSelectorArguments). */
export function mergeSelectorArguments(args: readonly string[]): string[] | { unmatched: number } {
  const out: string[] = [];
  let selector: string | undefined;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const op = args[i];
    if (selector === undefined && op.startsWith('(') && !op.endsWith(')')) {
      selector = op;
      start = i;
      continue;
    }
    if (selector !== undefined) {
      selector += ` ${op}`;
      if (op.endsWith(')')) {
        out.push(selector);
        selector = undefined;
      }
      continue;
    }
    out.push(op);
  }
  return selector === undefined ? out : { unmatched: start };
}

export function hasSpaces(name: string): boolean {
  return /[\s\0]/.test(name);
}

export class Acl {
  readonly index: AclCommandIndex;
  readonly log = new AclLog();
  private users = new Map<string, AclUser>();

  constructor(private readonly host: AclHost, table: CommandTable) {
    this.index = new AclCommandIndex(table.all());
    this.users.set('default', this.newDefaultUser());
    this.syncRequirePass(host.config.get('requirepass') ?? '');
  }

  private channelsByDefault = (): boolean => this.host.config.get('acl-pubsub-default') === 'allchannels';

  private newDefaultUser(): AclUser {
    const u = new AclUser('default', this.index, this.channelsByDefault);
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op);
    return u;
  }

  get defaultUser(): AclUser {
    return this.users.get('default')!;
  }

  user(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  /** Users sorted by name, as Redis' radix tree lists them. */
  allUsers(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** requirepass is the default user's only password; empty makes it nopass (Redis' ACLUpdateDefaultUserPassword). */
  syncRequirePass(password: string): void {
    const u = this.defaultUser;
    u.apply('resetpass');
    u.apply(password === '' ? 'nopass' : `>${password}`);
  }

  /** Redis' authRequired: the default user needs no password only while it is nopass and on. */
  authRequired(client: Client): boolean {
    if (client.authenticated) return false;
    const d = this.defaultUser;
    return !(d.nopass && d.enabled);
  }

  /** True for a new connection that is logged in as the default user without AUTH. */
  authenticatedAtConnect(): boolean {
    const d = this.defaultUser;
    return d.nopass && d.enabled;
  }

  /**
   * ACL SETUSER: all rules are tried on a copy and applied together, or none is (Redis' ACLStringSetUser).
   * Returns Redis' error text on failure.
   */
  setUser(name: string, args: readonly string[]): string | undefined {
    const merged = mergeSelectorArguments(args);
    if (!Array.isArray(merged)) return `ERR Unmatched parenthesis in acl selector starting at '${args[merged.unmatched]}'.`;
    const existing = this.users.get(name);
    const staged = existing?.clone() ?? new AclUser(name, this.index, this.channelsByDefault);
    for (const op of merged) {
      try {
        staged.apply(op);
      } catch (e) {
        if (!(e instanceof AclRuleError)) throw e;
        return `ERR Error in ACL SETUSER modifier '${op}': ${e.message}`;
      }
    }
    this.users.set(name, staged);
    if (existing !== undefined) this.killRevokedSubscribers(staged);
    return undefined;
  }

  /** Subscribers of a changed user lose their connection when a channel they are on is no longer allowed. */
  private killRevokedSubscribers(user: AclUser): void {
    if (user.root.allChannels) return;
    for (const c of this.host.clients.values()) {
      if (c.user !== user.name || c.subscriptionCount === 0) continue;
      if (!user.allowsSubscriptions([...c.channels, ...c.shardChannels], c.patterns)) this.kill(c);
    }
  }

  private kill(c: Client): void {
    c.closing = true;
    c.transport?.close(false);
  }

  /** ACL DELUSER: removes users and disconnects their clients; returns how many existed. */
  deleteUsers(names: readonly string[]): number {
    let n = 0;
    for (const name of names) {
      if (!this.users.delete(name)) continue;
      n++;
      this.killClientsOf(new Set([name]));
    }
    return n;
  }

  private killClientsOf(names: ReadonlySet<string>): void {
    for (const c of this.host.clients.values()) if (names.has(c.user) && c.transport !== null) this.kill(c);
  }

  /** AUTH / HELLO AUTH: the user must exist, be on, and the password match (constant-time per hash). */
  authenticate(client: Client, name: string, password: string): boolean {
    if (this.checkCredentials(name, password)) {
      client.authenticated = true;
      client.user = name;
      return true;
    }
    this.logDenial(client, 'auth', client.multi !== null ? 'multi' : 'toplevel', 'AUTH', name, 'auth');
    return false;
  }

  checkCredentials(name: string, password: string): boolean {
    const u = this.users.get(name);
    return u !== undefined && u.enabled && u.passwordMatches(password);
  }

  /** The permission check of the gate, EXEC and scripts; the caller words the error. */
  check(client: Client, spec: CommandSpec, argv: readonly string[]): AclVerdict {
    // The master link and clients without a socket (AOF loading) have no user in Redis: they may run anything.
    if (client.isMaster || client.transport === null) return ALLOWED;
    const u = this.users.get(client.user);
    if (u === undefined) return { denial: AclDenial.Command, index: 0 };
    return u.check(spec, argv);
  }

  /** Logs a denial found by check(), like Redis' addACLLogEntry. */
  logVerdict(client: Client, verdict: AclVerdict, context: AclLogContext, spec: CommandSpec, argv: readonly string[]): void {
    const reason = verdict.denial === AclDenial.Key ? 'key' : verdict.denial === AclDenial.Channel ? 'channel' : 'command';
    const object = reason === 'command' ? spec.name : argv[verdict.index];
    this.logDenial(client, reason, context, object, client.user, spec.name);
  }

  private logDenial(client: Client, reason: 'command' | 'key' | 'channel' | 'auth', context: AclLogContext, object: string, username: string, command: string): void {
    // Redis has made the refused command the client's last one (cmd= in client-info) by now.
    if (context !== 'lua') client.lastCommand = command;
    const maxLen = this.host.config.getNumber('acllog-max-len');
    this.log.add({ reason, context, object, username, clientInfo: this.host.describeClient(client) }, maxLen);
  }

  /** Parses ACL file text into users, or returns Redis' error text (every line's error, then the warning). */
  parseUsers(text: string, file: string): Map<string, AclUser> | string {
    const users = new Map<string, AclUser>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const words = line.split(/[ \t]+/);
      const lineNo = i + 1;
      if (words[0] !== 'user' || words.length < 2) {
        errors += `${file}:${lineNo} should start with user keyword followed by the username. `;
        continue;
      }
      const name = words[1];
      if (users.has(name)) {
        errors += `WARNING: Duplicate user '${name}' found on line ${lineNo}. `;
        continue;
      }
      const merged = mergeSelectorArguments(words.slice(2));
      if (!Array.isArray(merged)) {
        errors += `${file}:${lineNo}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      const u = new AclUser(name, this.index, this.channelsByDefault);
      let reported = false;
      for (const op of merged) {
        try {
          u.apply(op);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          if (e.message === RULE_ERRORS.unknown) errors += `${file}:${lineNo}: Error in applying operation '${op}': ${e.message}. `;
          else if (!reported) {
            errors += `${file}:${lineNo}: ${e.message}. `;
            reported = true;
          }
        }
      }
      if (errors === '') users.set(name, u);
    }
    if (errors !== '') return `${errors}WARNING: ACL errors detected, no change to the previously active ACL rules was performed`;
    if (!users.has('default')) users.set('default', this.newDefaultUser());
    return users;
  }

  /**
   * Replaces every user with those of the ACL file (ACL LOAD, start-up); clients of the old users are
   * disconnected, except the default user's, which is updated in place. Returns the error text.
   */
  loadFile(): string | undefined {
    const file = this.host.config.get('aclfile') ?? '';
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`;
    }
    const users = this.parseUsers(text, file);
    if (typeof users === 'string') return users;
    this.replaceUsers(users);
    return undefined;
  }

  /** Users declared with `user` lines in redis.conf; returns Redis' error text for the first bad one. */
  loadConfigUsers(lines: readonly (readonly string[])[]): string | undefined {
    const users = new Map<string, AclUser>();
    for (const words of lines) {
      const name = words[0];
      const u = new AclUser(name, this.index, this.channelsByDefault);
      const merged = mergeSelectorArguments(words.slice(1));
      if (!Array.isArray(merged)) return `Error in user declaration '${name}': Unmatched parenthesis in acl selector starting at '${words[1 + merged.unmatched]}'.`;
      for (const op of merged) {
        try {
          u.apply(op);
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e;
          return `Error in user declaration '${name}': Error in ACL SETUSER modifier '${op}': ${e.message}`;
        }
      }
      if (users.has(name)) return `Error in user declaration '${name}': Duplicate user found. A user can only be defined once in config files`;
      users.set(name, u);
    }
    for (const [name, u] of users) this.users.set(name, u);
    return undefined;
  }

  private replaceUsers(users: Map<string, AclUser>): void {
    const gone = new Set([...this.users.keys()].filter((n) => n !== 'default'));
    this.users = users;
    // requirepass keeps the default user's password only until an ACL file says otherwise.
    this.killClientsOf(gone);
  }

  /** ACL SAVE: every user in ACL LIST's words, written to a temp file and renamed over the ACL file. */
  saveFile(): string | undefined {
    const file = this.host.config.get('aclfile') ?? '';
    const text = this.allUsers().map((u) => `user ${u.name} ${u.describe()}\n`).join('');
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, text, { encoding: 'latin1', flush: true });
      renameSync(tmp, file);
    } catch (e) {
      if (existsSync(tmp)) unlinkSync(tmp);
      return `There was an error trying to save the ACLs. Please check the server logs for more information`;
    }
    return undefined;
  }
}
