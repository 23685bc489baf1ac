import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceSignatureValid, signInstanceId } from './metadata.js';

describe('signInstanceId()', () => {
  it("is hex HMAC-SHA256 of the instance id, as Python's hmac.new(secret, id, sha256).hexdigest()", () => {
    // python3 -c "import hmac,hashlib;print(hmac.new(b'secret',b'instance-1',hashlib.sha256).hexdigest())"
    assert.equal(signInstanceId('secret', 'instance-1'), 'd01de1f41d4a78fbaed37260f9bc0e83fd35c2b9fa33b57a08fe3eaed2fd7750');
  });

  it('accepts only the signature made with the same secret', () => {
    const sig = signInstanceId('s3cret', 'abc');
    assert.ok(instanceSignatureValid('s3cret', 'abc', sig));
    assert.ok(!instanceSignatureValid('other', 'abc', sig));
    assert.ok(!instanceSignatureValid('s3cret', 'abd', sig));
    assert.ok(!instanceSignatureValid('s3cret', 'abc', sig.slice(1)));
  });
});
