// The ferrite-server executable: parse the command line, start, log like redis-server, and exit
// cleanly on SIGTERM/SIGINT or SHUTDOWN.
import { parseCommandLine } from './cli.js';
import { FerriteServer } from './server.js';

const parsed = parseCommandLine(process.argv.slice(2));
if ('exit' in parsed) {
  (parsed.exit === 0 ? process.stdout : process.stderr).write(parsed.output);
  process.exit(parsed.exit);
}
const server = new FerriteServer(parsed.config);
server.log.raw(server.banner());
try {
  await server.listen();
} catch (e) {
  server.log.warning((e as Error).message);
  process.exit(1);
}
server.log.notice(`Server initialized`);
server.log.notice(`Ready to accept connections tcp on port ${server.port}`);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  server.log.warning(`Received ${signal} scheduling shutdown...`);
  // As Redis' prepareForShutdown: save when save points are set; a failed save keeps the server up.
  const err = server.shutdown({});
  if (err !== undefined) {
    server.log.warning('SIGTERM received but errors trying to shut down the server, check the logs for more information');
    stopping = false;
  }
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
server.onShutdown = () => process.exit(0);
