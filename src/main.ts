// The ferrite-server executable: parse the command line, start, log like redis-server (from the
// first line on), daemonize and keep a pidfile when asked, and exit cleanly on SIGTERM/SIGINT or SHUTDOWN.
import { parseCommandLine } from './cli.js';
import { daemonReady, isDaemonChild, pidfilePath, removePidfile, spawnDaemon, writePidfile } from './daemonize.js';
import { FERRITE_VERSION, REDIS_COMPAT_VERSION } from './engine/server-context.js';
import { asciiLogo, showLogo } from './logo.js';
import { FerriteServer } from './server.js';

const argv = process.argv.slice(2);
const parsed = parseCommandLine(argv);
if ('exit' in parsed) {
  (parsed.exit === 0 ? process.stdout : process.stderr).write(parsed.output);
  process.exit(parsed.exit);
}
const config = parsed.config;
const daemonize = config.getBool('daemonize');
if (daemonize && !isDaemonChild()) process.exit(await spawnDaemon());

const server = new FerriteServer(config);
const log = server.log;
log.role = 'C';
log.warning('oO0OoO0OoO0Oo Ferrite is starting oO0OoO0OoO0Oo');
log.warning(`Ferrite version=${FERRITE_VERSION} (Redis ${REDIS_COMPAT_VERSION} compatible), bits=64, node=${process.version}, pid=${process.pid}, just started`);
if (argv.length === 0) log.warning('Warning: no config file specified, using the default config. In order to specify a config file use ferrite-server /path/to/redis.conf');
else log.warning('Configuration loaded');
log.role = 'M';
try {
  await server.listen();
} catch (e) {
  log.warning((e as Error).message);
  process.exit(1);
}
if (showLogo(config.getBool('always-show-logo'), config.get('logfile')!, config.getBool('syslog-enabled'))) log.raw(asciiLogo(server.port, process.pid));
else log.notice(`Running mode=standalone, port=${server.port}.`);
log.warning('Server initialized');
const pidfile = pidfilePath(config.get('pidfile')!, daemonize);
if (pidfile !== '') writePidfile(pidfile);
log.notice('Ready to accept connections');
if (daemonize) daemonReady();

const exit = (): never => {
  if (pidfile !== '') {
    log.notice('Removing the pid file.');
    removePidfile(pidfile);
  }
  process.exit(0);
};
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log.warning(`Received ${signal} scheduling shutdown...`);
  // As Redis' prepareForShutdown: save when save points are set; a failed save keeps the server up.
  const err = server.shutdown({});
  if (err !== undefined) {
    log.warning('SIGTERM received but errors trying to shut down the server, check the logs for more information');
    stopping = false;
  }
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
server.onShutdown = exit;
