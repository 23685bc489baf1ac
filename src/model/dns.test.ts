import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsAssignment, dnsNameProblem } from './dns.js';

describe('DNS names of ports (dns-integration)', () => {
  it('validates names as neutron-lib: RFC 1123 labels, no hyphen at an end, no all-digit TLD', () => {
    for (const ok of ['', 'vm1', 'web-1.example.org', 'web.example.org.']) assert.equal(dnsNameProblem(ok), null, ok);
    assert.match(dnsNameProblem('-vm')!, /must not start or end with a hyphen/);
    assert.match(dnsNameProblem('vm_1')!, /alphanumeric or a hyphen/);
    assert.match(dnsNameProblem('a..b')!, /empty component/);
    assert.match(dnsNameProblem('vm.123')!, /TLD '123' must not be all numeric/);
    assert.match(dnsNameProblem('a'.repeat(64))!, /1-63 characters/);
  });

  it('names addresses host-<address> under the default domain, and by dns_name under another', () => {
    const ips = [{ ip_address: '10.0.0.5' }, { ip_address: '2001:db8::5' }];
    assert.deepEqual(dnsAssignment(ips, 'web', 'openstacklocal'), [
      { ip_address: '10.0.0.5', hostname: 'host-10-0-0-5', fqdn: 'host-10-0-0-5.openstacklocal.' },
      { ip_address: '2001:db8::5', hostname: 'host-2001-db8--5', fqdn: 'host-2001-db8--5.openstacklocal.' },
    ]);
    assert.deepEqual(dnsAssignment(ips.slice(0, 1), 'web', 'example.org'), [
      { ip_address: '10.0.0.5', hostname: 'web', fqdn: 'web.example.org.' },
    ]);
    assert.deepEqual(dnsAssignment(ips.slice(0, 1), '', 'example.org.'), [
      { ip_address: '10.0.0.5', hostname: 'host-10-0-0-5', fqdn: 'host-10-0-0-5.example.org.' },
    ]);
  });
});
