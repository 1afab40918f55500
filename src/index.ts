// The embedding API: `import { startServer } from 'ferrite'` runs a real Redis-protocol server in
// process (port 0 picks a free port), for applications and test suites.
import { Config } from './config.js';
import { FerriteServer } from './server.js';

export { FerriteServer } from './server.js';
export { Config } from './config.js';

export interface StartOptions {
  /** Any Redis or Ferrite option by its config name, e.g. { port: 0, maxmemory: '100mb' }. */
  [option: string]: string | number | boolean | undefined;
}

export interface RunningServer {
  /** The RESP port actually listened on. */
  readonly port: number;
  readonly host: string;
  readonly server: FerriteServer;
  close(): Promise<void>;
}

/** Defaults for embedding: a free port on loopback, quiet logs, no save points (SAVE and BGSAVE still work). */
const EMBEDDED_DEFAULTS: StartOptions = { port: 0, bind: '127.0.0.1', loglevel: 'warning', 'memcached-port': 0, save: '' };

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = new Config();
  for (const [name, value] of Object.entries({ ...EMBEDDED_DEFAULTS, ...options })) {
    if (value === undefined) continue;
    const text = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
    config.setInitial(name, text === '' ? [''] : [text], false);
  }
  const server = new FerriteServer(config);
  await server.listen();
  return {
    port: server.port,
    host: config.get('bind')!.split(' ')[0].replace(/^-/, ''),
    server,
    close: () => server.close(),
  };
}
