/**
 * What a database failure means for the store's callers. A failure that says the database
 * cannot be reached or cannot take writes now (refused or dropped connections, timeouts, locks,
 * a full or read-only disk, a server shutting down) makes the store unavailable: callers get 503
 * ServiceUnavailable and the store probes until the database answers again. Anything else is a
 * bug or a broken schema and stays a 500 with its cause in the log.
 */

/** A statement or connection attempt that got no answer within its deadline (see postgres-database.ts). */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  constructor(what: string, ms: number) {
    super(`${what}: no answer from the database within ${ms / 1000} s`);
  }
}

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_ERRNOS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
};

/**
 * PostgreSQL SQLSTATEs (and their classes) that mean "not now": the connection, the server's
 * resources, a timeout, a lock, or credentials and databases that changed under a running server.
 */
const PG_UNAVAILABLE_CLASSES = ['08', '53', '57', '28'];
const PG_UNAVAILABLE_CODES = new Set(['55P03', '25P03', '40001', '40P01', '3D000', '58030']);

/** node-postgres's own messages for connections it lost or never made (they carry no code). */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Postgres connection has been discarded',
  'Connection ended',
];

/** SQLite's result codes (better-sqlite3's `code`, extended codes included) for a database that cannot take writes now. */
const SQLITE_UNAVAILABLE = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_READONLY',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Why the database is unavailable, in a few words for logs and for the 503's message, or null
 * when `error` is not an availability failure. Never contains a password (no error of pg or
 * better-sqlite3 carries one).
 */
export function unavailableCause(error: unknown): string | null {
  if (error instanceof DeadlineExceeded) return error.message;
  if (error instanceof AggregateError) {
    for (const e of error.errors) {
      const cause = unavailableCause(e);
      if (cause) return cause;
    }
    return null;
  }
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : '';
  if (code && NETWORK_ERRNOS[code]) return `${NETWORK_ERRNOS[code]} (${code})`;
  if (code && /^SQLITE_/.test(code)) {
    return SQLITE_UNAVAILABLE.some((c) => code === c || code.startsWith(`${c}_`)) ? `SQLite: ${message} (${code})` : null;
  }
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const unavailable = PG_UNAVAILABLE_CLASSES.includes(code.slice(0, 2)) || PG_UNAVAILABLE_CODES.has(code);
    return unavailable ? `PostgreSQL: ${message} (SQLSTATE ${code})` : null;
  }
  if (PG_CONNECTION_MESSAGES.some((m) => message.includes(m))) return message;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== error ? unavailableCause(cause) : null;
}

/**
 * A connection URL for logs and messages: the password replaced by `***`. Strings that are not
 * URLs (SQLite paths) are returned as they are.
 */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    // Unparseable: drop everything between the scheme and the host rather than risk a password.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Whether a URL carries a password (then it must not be given on the command line). */
export function hasPassword(url: string): boolean {
  return redactUrl(url) !== url;
}
