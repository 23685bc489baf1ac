import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NAMESPACE_DNS, uuid5 } from './uuid5.js';

describe('uuid5', () => {
  it('gives the same values as Python uuid.uuid5(uuid.NAMESPACE_DNS, name)', () => {
    assert.equal(uuid5(NAMESPACE_DNS, 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    assert.equal(uuid5(NAMESPACE_DNS, 'network'), '7b60c1d9-602e-5110-8c89-a9475b89732c');
    assert.notEqual(uuid5(NAMESPACE_DNS, 'network'), uuid5(NAMESPACE_DNS, 'compute1'));
  });
});
