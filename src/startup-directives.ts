// The config-file lines that are not options: `rename-command` (applied to the command table before
// anything looks commands up) and `user` (ACL users), plus the ACL file; errors stop the start-up
// with Redis' words.
import type { Acl } from './engine/acl.js';
import type { CommandTable } from './engine/command-table.js';
import { fatal, type Config } from './config.js';

/** Applies rename-command lines; returns the fatal config error text, if any. */
export function applyRenames(config: Config, table: CommandTable): string | undefined {
  for (const d of config.directives) {
    if (d.name !== 'rename-command') continue;
    const [from, to] = d.args;
    const err = table.rename(from.toLowerCase(), to.toLowerCase());
    if (err !== undefined) return fatal(d.line, d.text, err).message;
  }
  return undefined;
}

/** Loads users from `user` lines or the aclfile (not both, as Redis refuses); returns the error text. */
export function loadUsersAtStartup(config: Config, acl: Acl): string | undefined {
  const lines = config.directives.filter((d) => d.name === 'user');
  const aclfile = config.get('aclfile') ?? '';
  if (lines.length > 0 && aclfile !== '') {
    return 'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.';
  }
  if (aclfile !== '') {
    const err = acl.loadFile();
    return err === undefined ? undefined : `Aborting Redis startup because of ACL errors: ${err}`;
  }
  for (const d of lines) {
    const err = acl.loadConfigUsers([d.args]);
    if (err !== undefined) return fatal(d.line, d.text, err).message;
  }
  return undefined;
}
