import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freeManagementNetwork, hostAddress } from './fabric.js';

describe('freeManagementNetwork()', () => {
  const routes = ['default via 10.0.0.1 dev eth0', '198.18.0.0/24 dev qlab-mgmt proto kernel scope link src 198.18.0.1', ''].join(
    '\n',
  );

  it('takes the first /24 no route names, skipping the ones it is told to', () => {
    assert.equal(freeManagementNetwork('', '198.18.0.0/24'), '198.18.0.0/24');
    assert.equal(freeManagementNetwork(routes, '198.18.0.0/24', ['198.18.1.0/24']), '198.18.2.0/24');
  });

  it('fails with a clear message when every candidate is routed', () => {
    const all = Array.from({ length: 256 }, (_, i) => `198.19.${i}.0/24 dev x`).join('\n');
    assert.throws(() => freeManagementNetwork(all, '198.19.0.0/24'), /no free management network from 198\.19\.0\.0\/24/);
  });
});

describe('hostAddress()', () => {
  it('counts host addresses across octets', () => {
    assert.equal(hostAddress('198.18.0.0/24', 1), '198.18.0.1/24');
    assert.equal(hostAddress('198.18.0.0/16', 300), '198.18.1.44/16');
  });
});
