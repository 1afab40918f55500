// An ACL user (Redis 7.0): on/off, password hashes (SHA-256 only, never the password), payload
// sanitization flag, and its selectors — the root one and any "(...)" ones.
import { createHash, timingSafeEqual } from 'node:crypto';
import { ALLOWED, AclCommandIndex, AclDenial, AclRuleError, AclSelector, RULE_ERRORS, type AclVerdict, type KeyCache } from './acl-selector.js';
import type { CommandSpec } from './types.js';

const HASH = /^[0-9a-f]{64}$/;

export function sha256Hex(password: string): string {
  return createHash('sha256').update(password, 'latin1').digest('hex');
}

export class AclUser {
  enabled = false;
  nopass = false;
  /** Redis' sanitize-payload / skip-sanitize-payload flags; neither is set on a new user. */
  sanitize: 'sanitize-payload' | 'skip-sanitize-payload' | undefined;
  passwords: string[] = [];
  root: AclSelector;
  selectors: AclSelector[] = [];

  constructor(readonly name: string, private readonly index: AclCommandIndex, private readonly channelsByDefault: () => boolean) {
    this.root = new AclSelector(index, channelsByDefault());
  }

  clone(name = this.name): AclUser {
    const u = new AclUser(name, this.index, this.channelsByDefault);
    u.enabled = this.enabled;
    u.nopass = this.nopass;
    u.sanitize = this.sanitize;
    u.passwords = [...this.passwords];
    u.root = this.root.clone();
    u.selectors = this.selectors.map((s) => s.clone());
    return u;
  }

  /** True for a user that may run anything on anything: its checks can be skipped. */
  get unrestricted(): boolean {
    const r = this.root;
    return r.allCommands && r.allKeys && r.allChannels;
  }

  /** Applies one rule (Redis' ACLSetUser); throws AclRuleError, leaving a partly changed user to the caller. */
  apply(op: string): void {
    const lower = op.toLowerCase();
    // An empty rule does nothing, as in Redis.
    if (op === '') return;
    if (lower === 'on') this.enabled = true;
    else if (lower === 'off') this.enabled = false;
    else if (lower === 'skip-sanitize-payload' || lower === 'sanitize-payload') this.sanitize = lower;
    else if (lower === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (lower === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      const hash = op[0] === '>' ? sha256Hex(op.slice(1)) : op.slice(1);
      if (!HASH.test(hash)) throw new AclRuleError(RULE_ERRORS.badHash);
      if (!this.passwords.includes(hash)) this.passwords.push(hash);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      const hash = op[0] === '<' ? sha256Hex(op.slice(1)) : op.slice(1);
      if (op[0] === '!' && !HASH.test(hash)) throw new AclRuleError(RULE_ERRORS.badHash);
      const at = this.passwords.indexOf(hash);
      if (at === -1) throw new AclRuleError(RULE_ERRORS.noSuchPassword);
      this.passwords.splice(at, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const selector = new AclSelector(this.index, this.channelsByDefault());
      for (const rule of op.slice(1, -1).split(' ')) if (rule !== '') selector.apply(rule);
      this.selectors.push(selector);
    } else if (lower === 'clearselectors') {
      this.selectors = [];
    } else if (lower === 'reset') {
      for (const rule of ['resetpass', 'resetkeys', 'resetchannels']) this.apply(rule);
      if (this.channelsByDefault()) this.apply('allchannels');
      for (const rule of ['off', 'sanitize-payload', 'clearselectors', '-@all']) this.apply(rule);
    } else {
      this.root.apply(op);
    }
  }

  /** Constant-time over the stored hashes: the password is hashed, then compared with every hash. */
  passwordMatches(password: string): boolean {
    if (this.nopass) return true;
    const given = Buffer.from(sha256Hex(password), 'latin1');
    let ok = false;
    for (const h of this.passwords) if (timingSafeEqual(given, Buffer.from(h, 'latin1'))) ok = true;
    return ok;
  }

  /**
   * Redis' ACLCheckAllUserCommandPerm: allowed if one selector allows it; otherwise the most relevant
   * denial (a key or channel over the command, the last argument position among equals).
   */
  check(spec: CommandSpec, argv: readonly string[]): AclVerdict {
    if (this.unrestricted) return ALLOWED;
    const cache: KeyCache = { keys: undefined };
    let worst = this.root.check(spec, argv, cache);
    if (worst.denial === AclDenial.None) return worst;
    for (const s of this.selectors) {
      const v = s.check(spec, argv, cache);
      if (v.denial === AclDenial.None) return v;
      if (v.denial > worst.denial || (v.denial === worst.denial && v.index > worst.index)) worst = v;
    }
    return worst;
  }

  /** May this user still subscribe to these channels and patterns (Redis' ACLKillPubsubClientsIfNeeded)? */
  allowsSubscriptions(channels: Iterable<string>, patterns: Iterable<string>): boolean {
    const selectors = [this.root, ...this.selectors];
    for (const c of channels) if (!selectors.some((s) => s.channelAllowed(c, false))) return false;
    for (const p of patterns) if (!selectors.some((s) => s.channelAllowed(p, true))) return false;
    return true;
  }

  flags(): string[] {
    const out = [this.enabled ? 'on' : 'off'];
    if (this.nopass) out.push('nopass');
    if (this.sanitize === 'skip-sanitize-payload') out.push('skip-sanitize-payload');
    if (this.sanitize === 'sanitize-payload') out.push('sanitize-payload');
    return out;
  }

  /** The user as ACL LIST and the ACL file write it (Redis' ACLDescribeUser). */
  describe(): string {
    const parts = [...this.flags(), ...this.passwords.map((h) => `#${h}`), this.root.describe()];
    let out = parts.join(' ');
    for (const s of this.selectors) out += ` (${s.describe()})`;
    return out;
  }
}
