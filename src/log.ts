// Logging in redis-server's format: "pid:role dd Mon yyyy hh:mm:ss.mmm <level-char> message",
// to stdout or to `logfile`, filtered by `loglevel`.
import { appendFileSync } from 'node:fs';
import type { Logger } from './engine/server-context.js';

const LEVELS = ['debug', 'verbose', 'notice', 'warning', 'nothing'] as const;
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class ServerLog implements Logger {
  level = 2;
  file = '';
  role = 'M';
  /** Whether this server follows a master: its lines then say 'S' where a master's say 'M', as Redis'. */
  following: (() => boolean) | undefined;
  /** Set by embedders and tests that want a silent server. */
  silent = false;

  setLevel(name: string): void {
    const i = LEVELS.indexOf(name as (typeof LEVELS)[number]);
    if (i !== -1) this.level = i;
  }

  debug(msg: string): void {
    this.write(0, msg);
  }
  verbose(msg: string): void {
    this.write(1, msg);
  }
  notice(msg: string): void {
    this.write(2, msg);
  }
  warning(msg: string): void {
    this.write(3, msg);
  }

  /** Writes lines without the prefix (the start-up logo), at notice level as Redis' LL_RAW. */
  raw(text: string): void {
    if (this.silent || this.level > 2) return;
    this.emit(text);
  }

  private write(level: number, msg: string): void {
    if (this.silent || level < this.level) return;
    const d = new Date();
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    const stamp = `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    const role = this.role === 'M' && this.following?.() === true ? 'S' : this.role;
    this.emit(`${process.pid}:${role} ${stamp} ${MARKS[level]} ${msg}\n`);
  }

  private emit(text: string): void {
    if (this.file === '') process.stdout.write(text);
    else {
      try {
        appendFileSync(this.file, text);
      } catch {
        process.stdout.write(text);
      }
    }
  }
}
