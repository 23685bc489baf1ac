import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLeases, staleLeases } from './dnsmasq-leases.js';

const LEASES = `1795788063 fa:16:3e:00:00:01 10.0.0.5 host-10-0-0-5 01:fa:16:3e:00:00:01
1795788064 fa:16:3e:00:00:02 10.0.0.6 * *
duid 00:01:00:01:2c:aa:bb:cc:fa:16:3e:00:00:0a
1795788065 1234 2001:db8::5 host-2001-db8--5 00:03:00:01:fa:16:3e:00:00:01
`;

describe('dnsmasq leases', () => {
  it('parses IPv4 and IPv6 leases of the lease file', () => {
    const leases = parseLeases(LEASES);
    assert.deepEqual(leases[0], {
      family: 4,
      ip: '10.0.0.5',
      hwOrIaid: 'fa:16:3e:00:00:01',
      clientId: '01:fa:16:3e:00:00:01',
      serverDuid: null,
    });
    assert.equal(leases[1]?.clientId, '*');
    assert.deepEqual(leases[2], {
      family: 6,
      ip: '2001:db8::5',
      hwOrIaid: '1234',
      clientId: '00:03:00:01:fa:16:3e:00:00:01',
      serverDuid: '00:01:00:01:2c:aa:bb:cc:fa:16:3e:00:00:0a',
    });
  });

  it('finds leases no reservation backs: another MAC on the address, or the address gone', () => {
    const hosts = [
      'fa:16:3e:00:00:01,host-10-0-0-5.openstacklocal,10.0.0.5,set:port-5',
      'fa:16:3e:00:00:09,host-10-0-0-6.openstacklocal,10.0.0.6',
      'fa:16:3e:00:00:01,host-2001-db8--5.openstacklocal,[2001:db8::5]',
      '',
    ].join('\n');
    assert.deepEqual(
      staleLeases(parseLeases(LEASES), hosts).map((l) => l.ip),
      ['10.0.0.6'],
    );
    assert.deepEqual(
      staleLeases(parseLeases(LEASES), '').map((l) => l.ip),
      ['10.0.0.5', '10.0.0.6', '2001:db8::5'],
    );
  });
});
