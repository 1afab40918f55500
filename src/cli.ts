// redis-server's command line: `ferrite-server [config-file] [--name value ...]`, where each
// --name starts a directive and the words after it are its arguments (so `--save 900 1` works).
import { readFileSync } from 'node:fs';
import { Config, ConfigError } from './config.js';
import { FERRITE_VERSION, REDIS_COMPAT_VERSION } from './engine/server-context.js';

export type CliResult = { config: Config } | { exit: number; output: string };

const USAGE = `Usage: ./ferrite-server [/path/to/redis.conf] [options] [-]
       ./ferrite-server - (read config from stdin)
       ./ferrite-server -v or --version
       ./ferrite-server -h or --help

Examples:
       ./ferrite-server (run the server with default config)
       ./ferrite-server /etc/redis/6379.conf
       ./ferrite-server --port 7777
       ./ferrite-server --port 7777 --replicaof 127.0.0.1 8888
       ./ferrite-server /etc/myredis.conf --loglevel verbose -
       ./ferrite-server --memcached-port 11211 --maxmemory 100mb --maxmemory-policy allkeys-lru
`;

function quote(arg: string): string {
  return /[\s"'\\]/.test(arg) || arg === '' ? JSON.stringify(arg) : arg;
}

/** Turns argv into config text the way redis-server does, then loads file + text + stdin. */
export function parseCommandLine(argv: string[], readStdin: () => string = () => readFileSync(0, 'latin1')): CliResult {
  if (argv[0] === '-v' || argv[0] === '--version') {
    return { exit: 0, output: `Ferrite server v=${FERRITE_VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible) node=${process.version}\n` };
  }
  if (argv[0] === '-h' || argv[0] === '--help') return { exit: 0, output: USAGE };
  const config = new Config();
  let i = 0;
  let file: string | undefined;
  if (argv.length > 0 && !argv[0].startsWith('--') && argv[0] !== '-') {
    file = argv[0];
    i = 1;
  }
  const lines: string[] = [];
  let useStdin = false;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-') {
      useStdin = true;
    } else if (a.startsWith('--')) {
      lines.push(a.slice(2));
    } else if (lines.length === 0) {
      return { exit: 1, output: `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_COMPAT_VERSION}) ***\nInvalid argument '${a}'\n` };
    } else {
      lines[lines.length - 1] += ` ${quote(a)}`;
    }
  }
  try {
    if (file !== undefined) config.loadFile(file);
    if (useStdin) config.loadText(readStdin());
    config.loadText(lines.join('\n'));
  } catch (e) {
    if (e instanceof ConfigError) return { exit: 1, output: `${e.message}\n` };
    throw e;
  }
  return { config };
}
