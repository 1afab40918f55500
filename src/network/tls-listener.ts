// TLS for client connections on node:tls, configured by Redis' tls-* options: certificate and key
// (with passphrase), CA file or directory, client certificates (tls-auth-clients yes|no|optional),
// protocols, ciphers, session caching, DH parameters. CONFIG SET tls-* reloads the certificates.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants } from 'node:crypto';
import { createServer, type SecureContextOptions, type Server, type TLSSocket } from 'node:tls';
import type { ConfigAccess } from '../engine/server-context.js';

/** Options whose change means building a new secure context. */
export const TLS_CONTEXT_OPTIONS = [
  'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-auth-clients',
  'tls-protocols', 'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-session-caching',
  'tls-session-cache-timeout', 'tls-session-cache-size', 'tls-dh-params-file',
] as const;

type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export class TlsConfigError extends Error {}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TlsConfigError(`Failed to load ${what} ${path}: ${(e as Error).message}`);
  }
}

/** tls-protocols: a space-separated subset of TLSv1 .. TLSv1.3 (Redis' default: TLSv1.2 and TLSv1.3). */
function protocolRange(text: string): { minVersion: TlsVersion; maxVersion: TlsVersion } {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  const picked = words.map((w) => {
    const v = VERSIONS.find((x) => x.toLowerCase() === w.toLowerCase());
    if (v === undefined) throw new TlsConfigError(`Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.`);
    return VERSIONS.indexOf(v);
  });
  return { minVersion: VERSIONS[Math.min(...picked)], maxVersion: VERSIONS[Math.max(...picked)] };
}

/** The secure context options the tls-* settings describe; throws TlsConfigError with the reason. */
export function secureContextOptions(config: ConfigAccess): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  const cert = config.get('tls-cert-file') ?? '';
  const key = config.get('tls-key-file') ?? '';
  if (cert === '' || key === '') throw new TlsConfigError('No tls-cert-file or tls-key-file configured');
  const ca: Buffer[] = [];
  const caFile = config.get('tls-ca-cert-file') ?? '';
  const caDir = config.get('tls-ca-cert-dir') ?? '';
  if (caFile !== '') ca.push(read(caFile, 'CA certificate(s) file'));
  if (caDir !== '') {
    let names: string[];
    try {
      names = readdirSync(caDir);
    } catch (e) {
      throw new TlsConfigError(`Failed to configure CA certificate(s) dir ${caDir}: ${(e as Error).message}`);
    }
    for (const n of names.sort()) if (/\.(pem|crt|cer)$/i.test(n) || /^[0-9a-f]{8}\.[0-9]+$/.test(n)) ca.push(read(join(caDir, n), 'CA certificate'));
  }
  const auth = config.get('tls-auth-clients') ?? 'yes';
  if (auth !== 'no' && ca.length === 0) throw new TlsConfigError('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!');
  const ciphers = [config.get('tls-ciphersuites') ?? '', config.get('tls-ciphers') ?? ''].filter((c) => c !== '').join(':');
  const passphrase = config.get('tls-key-file-pass') ?? '';
  const dh = config.get('tls-dh-params-file') ?? '';
  const caching = config.getBool('tls-session-caching');
  return {
    cert: read(cert, 'certificate'),
    key: read(key, 'private key'),
    ...(passphrase !== '' ? { passphrase } : {}),
    ...(ca.length > 0 ? { ca } : {}),
    ...(ciphers !== '' ? { ciphers } : {}),
    ...(dh !== '' ? { dhparam: read(dh, 'DH params file') } : {}),
    ...protocolRange(config.get('tls-protocols') ?? ''),
    honorCipherOrder: config.getBool('tls-prefer-server-ciphers'),
    sessionTimeout: caching ? config.getNumber('tls-session-cache-timeout') : 0,
    // Without session caching there are no tickets either, as SSL_OP_NO_TICKET does in Redis.
    secureOptions: caching ? 0 : constants.SSL_OP_NO_TICKET,
    requestCert: auth !== 'no',
    rejectUnauthorized: auth === 'yes',
  };
}

/** A TLS server handing authenticated sockets to `accept`; its certificates are replaced by reload(). */
export class TlsListener {
  readonly server: Server;

  constructor(private readonly config: ConfigAccess, accept: (socket: TLSSocket) => void, onError: (message: string) => void) {
    const options = secureContextOptions(config);
    this.server = createServer({ ...options, noDelay: true }, (socket) => {
      // "optional": no certificate is fine, but one that doesn't verify is refused, as OpenSSL's
      // SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT does.
      if (this.config.get('tls-auth-clients') === 'optional' && !socket.authorized && socket.getPeerCertificate().raw !== undefined) {
        socket.destroy();
        return;
      }
      accept(socket);
    });
    this.server.on('tlsClientError', (e) => onError(`Error accepting a client connection: ${e.message}`));
  }

  /** Builds a new context from the options now set; throws TlsConfigError, leaving the old one. */
  reload(): void {
    const options = secureContextOptions(this.config);
    this.server.setSecureContext(options);
    // requestCert/rejectUnauthorized are per-server settings, not part of the context.
    const s = this.server as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    s.requestCert = options.requestCert;
    s.rejectUnauthorized = options.rejectUnauthorized;
  }
}
