/**
 * Keystone's error body, `{"error": {"code", "title", "message"}}`, for every failure of the
 * identity API and for 401s of the network API (keystonemiddleware answers those in front of
 * Neutron, and keystoneauth reads `message` from this shape).
 */
import { QuarkError } from '../../model/errors.js';

export interface KeystoneErrorBody {
  readonly error: { readonly code: number; readonly title: string; readonly message: string };
}

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  // Keystone's RequestTooLarge (keystone/exception.py) has this title.
  413: 'Request is too large.',
  414: 'Request-URI Too Long',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Keystone's wording for every refused authentication: it never says what was wrong. */
export const AUTHENTICATION_REQUIRED = 'The request you have made requires authentication.';

export function unauthorized(message: string = AUTHENTICATION_REQUIRED): QuarkError {
  return new QuarkError('NotAuthenticated', message);
}

/** Messages may quote the request; an answer never carries more than a short part of it. */
function shorten(message: string, max = 1024): string {
  return message.length <= max ? message : `${message.slice(0, max)}…`;
}

export function renderKeystoneError(error: unknown): { status: number; body: KeystoneErrorBody; internal: boolean } {
  if (error instanceof QuarkError && !error.internal) {
    const status = error.status;
    return {
      status,
      body: { error: { code: status, title: TITLES[status] ?? 'Error', message: shorten(error.message) } },
      internal: status >= 500,
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 500,
        title: TITLES[500]!,
        message: 'An unexpected error prevented the server from fulfilling your request.',
      },
    },
    internal: true,
  };
}
