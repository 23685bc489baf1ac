/**
 * How OVSDB failures become QuarkErrors. Every failure is `HostCommandFailed` (an internal code:
 * it never reaches API clients) whose `detail` names the method and its parameters, the way a
 * failed command reports its argv. The error OVSDB itself reported (RFC 7047 §3.1 and §5.2:
 * `"constraint violation"`, `"timed out"`, `"unknown database"`, …) stays machine-readable as the
 * `cause`, so callers can decide to retry without parsing messages.
 */
import { QuarkError } from '../../../model/errors.js';

export interface OvsdbErrorInfo {
  /** OVSDB's error name, e.g. `constraint violation`, `referential integrity violation`, `canceled`. */
  readonly error: string;
  readonly details?: string;
  /** For a failed transaction: the index of the operation that failed (= ops.length for commit). */
  readonly index?: number;
}

const MAX_DETAIL = 4096;

export function describeCall(method: string, params: unknown): string {
  const text = `${method} ${JSON.stringify(params)}`;
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}… (${text.length} characters)` : text;
}

export function ovsdbFailure(method: string, params: unknown, info: OvsdbErrorInfo): QuarkError {
  const at = info.index === undefined ? '' : ` (operation ${info.index})`;
  const details = info.details ? `: ${info.details}` : '';
  return new QuarkError('HostCommandFailed', `ovsdb ${method} failed${at}: ${info.error}${details}`, {
    detail: describeCall(method, params),
    cause: info,
  });
}

/** The OVSDB error behind a QuarkError raised by this client, if that is what it is. */
export function ovsdbErrorOf(e: unknown): OvsdbErrorInfo | undefined {
  if (!(e instanceof QuarkError)) return undefined;
  const cause = e.cause as Partial<OvsdbErrorInfo> | undefined;
  return typeof cause === 'object' && cause !== null && typeof cause.error === 'string' ? (cause as OvsdbErrorInfo) : undefined;
}

/** Reads an RFC 7047 error object (`{"error": …, "details": …}`) or a bare error string. */
export function errorInfo(value: unknown, index?: number): OvsdbErrorInfo {
  const at = index === undefined ? {} : { index };
  if (typeof value !== 'object' || value === null || !('error' in value))
    return { error: typeof value === 'string' ? value : JSON.stringify(value), ...at };
  const { error, details } = value as { error: unknown; details?: unknown };
  return { error: String(error), ...(typeof details === 'string' ? { details } : {}), ...at };
}
