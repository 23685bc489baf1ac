import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from '../model/errors.js';
import { serverProblem } from './health.js';

/** What the client throws when fetch fails: its error wraps fetch's, which wraps the socket's. */
function unreachable(code: string): QuarkError {
  const socket = Object.assign(new Error(`connect ${code} 192.0.2.10:9696`), { code });
  const fetchError = new TypeError('fetch failed', { cause: socket });
  return new QuarkError('InternalError', 'cannot reach http://192.0.2.10:9696: fetch failed', { cause: fetchError });
}

describe('serverProblem', () => {
  const url = 'http://192.0.2.10:9696';

  it('names the socket error under the wrapping and says what to check', () => {
    assert.equal(
      serverProblem(url, unreachable('ECONNREFUSED'), null),
      "nothing listens at http://192.0.2.10:9696 (connection refused): is quark-server running there, and is its port open in the controller's firewall?",
    );
    assert.match(
      serverProblem(url, unreachable('EHOSTUNREACH'), null),
      /^no route to http:\/\/192\.0\.2\.10:9696 \(EHOSTUNREACH\)/,
    );
  });

  it('tells refused credentials and a missing role apart', () => {
    assert.match(
      serverProblem(url, new QuarkError('NotAuthenticated', 'The request you have made requires authentication.'), 'quark-agent'),
      /refused the agent's credentials \(user quark-agent\): check username\/password/,
    );
    assert.match(serverProblem(url, new QuarkError('PolicyNotAuthorized', 'no'), 'quark-agent'), /needs the admin role/);
  });
});
