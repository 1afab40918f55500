// Server entries as twemproxy's `servers:` list writes them: "host:port:weight [name]" (the pool
// also accepts "host:port" with weight 1). The name is what the ketama ring hashes: the given name,
// else "host:port", else just "host" when the port is 11211 (libmemcached's convention).

export interface ServerSpec {
  /** "host:port", how the pool reports the server. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly weight: number;
  /** The string the ketama continuum hashes ("name-0", "name-1", ...). */
  readonly name: string;
}

const KETAMA_DEFAULT_PORT = 11211;

export class ServerSpecError extends Error {
  override name = 'ServerSpecError';
}

function parseInteger(text: string, what: string, entry: string): number {
  if (!/^[0-9]+$/.test(text)) throw new ServerSpecError(`server "${entry}" has an invalid ${what}`);
  return Number(text);
}

export function parseServerSpec(entry: string): ServerSpec {
  const trimmed = entry.trim();
  const space = trimmed.indexOf(' ');
  const addressPart = space === -1 ? trimmed : trimmed.slice(0, space);
  const givenName = space === -1 ? '' : trimmed.slice(space + 1).trim();
  const fields = addressPart.split(':');
  if (fields.length < 2 || fields.length > 3 || fields[0] === '') {
    throw new ServerSpecError(`server "${entry}" is not "host:port[:weight] [name]"`);
  }
  const [host, portText, weightText = '1'] = fields;
  const port = parseInteger(portText, 'port', entry);
  if (port < 1 || port > 65535) throw new ServerSpecError(`server "${entry}" has an invalid port`);
  const weight = parseInteger(weightText, 'weight', entry);
  if (weight === 0) throw new ServerSpecError(`server "${entry}" has a zero weight`);
  const name = givenName !== '' ? givenName : port === KETAMA_DEFAULT_PORT ? host : `${host}:${port}`;
  return { address: `${host}:${port}`, host, port, weight, name };
}

/**
 * twemproxy's `string_compare`: shorter strings first, then bytes. nutcracker sorts its servers by
 * name with it while validating the config, and modula/random index that sorted list.
 */
export function compareNames(a: string, b: string): number {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) return ab.length - bb.length;
  return Buffer.compare(ab, bb);
}

/** Parses the list, rejects duplicate names as nutcracker does, and returns it in nutcracker's order. */
export function parseServerList(entries: readonly string[]): ServerSpec[] {
  if (entries.length === 0) throw new ServerSpecError('a pool needs at least one server');
  const specs = entries.map(parseServerSpec).sort((a, b) => compareNames(a.name, b.name));
  for (let i = 1; i < specs.length; i++) {
    if (specs[i].name === specs[i - 1].name) throw new ServerSpecError(`two servers have the same name "${specs[i].name}"`);
  }
  return specs;
}
