/**
 * Renders any failure as Neutron's error body. QuarkErrors keep their code and message; internal
 * codes and unknown exceptions become a generic 500 whose cause only goes to the log.
 */
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

export function renderError(error: unknown): RenderedError {
  if (error instanceof QuarkError && !error.internal) {
    return {
      status: error.status,
      body: { NeutronError: { type: error.code, message: error.message, detail: error.detail } },
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
