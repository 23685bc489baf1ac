/**
 * Renders any failure as Neutron's error body. QuarkErrors keep their code and message; internal
 * codes and unknown exceptions become a generic 500 whose cause only goes to the log. Errors of
 * the HTTP framework itself (a body over the limit, a bad URL encoding…) keep their status and
 * get the matching code first (`fromFrameworkError`).
 */
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { ERROR_CODES, type ErrorCode, QuarkError } from '../../model/errors.js';

export interface NeutronErrorBody {
  readonly NeutronError: { readonly type: string; readonly message: string; readonly detail: string };
}

export interface RenderedError {
  readonly status: number;
  readonly body: NeutronErrorBody;
  /** Set when the error must be logged with its cause (it is ours, not the caller's). */
  readonly internal: boolean;
}

/** What a 503 of an unreachable store tells clients: try again in this many seconds. */
export const RETRY_AFTER_SECONDS = 2;

/** Longest message an error answer carries; a longer one (it quotes the request) is cut. */
const MAX_MESSAGE = 1024;

function shorten(text: string, max = MAX_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

export function renderError(error: unknown): RenderedError {
  if (error instanceof QuarkError && !error.internal) {
    return {
      status: error.status,
      body: { NeutronError: { type: error.code, message: shorten(error.message), detail: shorten(error.detail) } },
      internal: error.status >= 500,
    };
  }
  return {
    status: 500,
    body: {
      NeutronError: {
        type: 'InternalError' satisfies ErrorCode,
        message: 'Request Failed: internal server error while processing your request.',
        detail: '',
      },
    },
    internal: true,
  };
}

export function isKnownCode(code: string): code is ErrorCode {
  return code in ERROR_CODES;
}

/** The code of each status the framework (fastify, Node's parser) answers a bad request with. */
const FRAMEWORK_CODES: Readonly<Record<number, ErrorCode>> = {
  408: 'HTTPRequestTimeout',
  413: 'HTTPRequestEntityTooLarge',
  414: 'HTTPRequestURITooLong',
  431: 'HTTPRequestHeaderFieldsTooLarge',
};

/**
 * A framework error (it has a 4xx `statusCode`, no QuarkError code) as the QuarkError of its
 * status; any other 4xx becomes `badRequest` (Neutron's HTTPBadRequest, Keystone's
 * ValidationError). Everything else is returned as it is.
 */
export function fromFrameworkError(error: unknown, badRequest: ErrorCode = 'HTTPBadRequest'): unknown {
  if (error instanceof QuarkError) return error;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 413) return new QuarkError('HTTPRequestEntityTooLarge', 'Request body is too large.');
  return new QuarkError(FRAMEWORK_CODES[status] ?? badRequest, shorten(message, 200));
}

/**
 * The log line of a failed request. A caller's mistake (4xx) is logged at info without a stack:
 * it is the caller's to fix, and a flood of them must not bury the server's own failures. A
 * store outage (ServiceUnavailable) is logged once where it starts (the server's main), so each
 * refused request is a warning without a stack. Anything else of ours is an error with its stack.
 */
export function logFailure(
  log: FastifyBaseLogger,
  request: { readonly method: string; readonly url: string },
  status: number,
  error: unknown,
): void {
  const where = { method: request.method, url: shorten(request.url, 200), status };
  if (error instanceof QuarkError && error.code === 'ServiceUnavailable') log.warn({ ...where, code: error.code }, error.message);
  else if (status >= 500) log.error({ ...where, err: error }, 'request failed');
  else {
    const code = error instanceof QuarkError ? error.code : undefined;
    log.info({ ...where, code }, shorten(error instanceof Error ? error.message : String(error), 200));
  }
}

/**
 * Sets the headers an error answer needs besides its body: Retry-After on a store outage; on a
 * body over the limit, Connection: close, so that the rest of it is not read only to be dropped.
 */
export function errorHeaders(reply: FastifyReply, error: unknown): void {
  if (!(error instanceof QuarkError)) return;
  if (error.code === 'ServiceUnavailable') reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  if (error.code === 'HTTPRequestEntityTooLarge') reply.header('connection', 'close');
}
