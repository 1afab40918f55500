// What reaches a pool's caller when a request cannot be answered, one class per cause, so callers
// can tell a dead server from a server's own error reply from a slow server.

/** Base class of every error the pool produces (not of a server's reply errors). */
export class PoolError extends Error {
  override name = 'PoolError';
}

/** The server could not be reached or the connection broke before the reply came. */
export class ServerUnreachableError extends PoolError {
  override name = 'ServerUnreachableError';
  constructor(
    readonly server: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${server}: ${message}`, options);
  }
}

/** No reply within `timeoutMs` (or no connection within `connectTimeoutMs`). */
export class PoolTimeoutError extends PoolError {
  override name = 'PoolTimeoutError';
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(`${server}: ${message}`);
  }
}

/** The server answered with an error reply (RESP `-ERR ...`, memcached `CLIENT_ERROR ...`). */
export class ReplyError extends Error {
  override name = 'ReplyError';
  constructor(
    readonly server: string,
    message: string,
  ) {
    super(message);
  }
}

/** The command cannot be routed: keys on several servers, no key at all, bad arguments. */
export class RoutingError extends PoolError {
  override name = 'RoutingError';
}

/** `close()` was called. */
export class PoolClosedError extends PoolError {
  override name = 'PoolClosedError';
  constructor() {
    super('the pool is closed');
  }
}

/** Every server is ejected (auto_eject_hosts) or none was configured. */
export class NoServersError extends PoolError {
  override name = 'NoServersError';
}
