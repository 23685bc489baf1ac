import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt, in a self-describing format', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.notEqual(a, b, 'salted');
    assert.ok(!a.includes('correct'));
  });

  it('verifies the right password only, and never a user without a usable hash', async () => {
    const hash = await hashPassword('s3cret');
    assert.equal(await verifyPassword('s3cret', hash), true);
    assert.equal(await verifyPassword('s3cret ', hash), false);
    assert.equal(await verifyPassword('', hash), false);
    assert.equal(await verifyPassword('s3cret', null), false);
    assert.equal(await verifyPassword('s3cret', 'plain-text'), false);
    assert.equal(await verifyPassword('', null), false, 'not even the decoy’s own input');
  });
});
