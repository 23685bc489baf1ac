import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from '../../model/errors.js';
import { parseAuthRequest } from './auth-request.js';

const password = (user: object, scope?: unknown) => ({
  auth: { identity: { methods: ['password'], password: { user } }, ...(scope === undefined ? {} : { scope }) },
});

function refusal(body: unknown): string {
  try {
    parseAuthRequest(body);
  } catch (e) {
    assert.ok(e instanceof QuarkError);
    return `${e.code}: ${e.message}`;
  }
  assert.fail('accepted');
}

describe('the token request (Keystone token_issue schema)', () => {
  it('reads a password request scoped to a project by name', () => {
    const r = parseAuthRequest(
      password(
        { name: 'alice', domain: { name: 'Default' }, password: 'pw' },
        { project: { name: 'demo', domain: { id: 'default' } } },
      ),
    );
    assert.deepEqual(r.password, { user: { name: 'alice', domain: { name: 'Default' } }, password: 'pw' });
    assert.deepEqual(r.scope, { kind: 'project', project: { name: 'demo', domain: { id: 'default' } } });
    assert.equal(r.token, null);
  });

  it('reads a token request, unscoped or with no scope', () => {
    const body = { auth: { identity: { methods: ['token', 'token'], token: { id: 't' } }, scope: 'unscoped' } };
    assert.deepEqual(parseAuthRequest(body), {
      methods: ['token'],
      password: null,
      token: { id: 't' },
      scope: { kind: 'unscoped' },
    });
    assert.deepEqual(parseAuthRequest(password({ id: 'u', password: 'pw' })).scope, { kind: 'default' });
  });

  it("refuses shapes with Keystone's wording", () => {
    assert.equal(refusal({}), 'ValidationError: Expecting to find auth in request body.');
    assert.match(
      refusal({ auth: { identity: { methods: 'password' } } }),
      /^ValidationError: Invalid input for field 'identity'/,
    );
    assert.equal(
      refusal(password({ password: 'pw' })),
      'ValidationError: Invalid input for field identity/password/user: id or name must be present.',
    );
    assert.equal(
      refusal(password({ id: 'u', password: 'pw' }, { project: { name: 'p', domain: {} } })),
      'ValidationError: Invalid input for field scope/project/domain: id or name must be present.',
    );
    assert.match(refusal({ auth: { identity: { methods: [] } } }), /identity\/methods/);
  });

  it('answers an unsupported method as Keystone does (401)', () => {
    assert.match(refusal({ auth: { identity: { methods: ['totp'] } } }), /unsupported method/);
  });
});
