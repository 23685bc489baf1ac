import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { id, network, port, replicaOf } from '../../dataplane/testing/fixtures.js';
import { findRequester } from './lookup.js';

// Two projects behind two routers reuse 10.0.0.3; a third network without a router.
const netA = network({ id: id('aaaa1') });
const netB = network({ id: id('bbbb2'), project_id: 'p2' });
const netC = network({ id: id('cccc3') });
const r1 = id('a0071');
const r2 = id('a0072');
const vm = (name: string, net: string, ip: string, project = 'p1', device = `instance-${name}`) =>
  port({
    id: id(name),
    network_id: net,
    host: 'c1',
    project_id: project,
    device_id: device,
    fixed_ips: [{ subnet_id: 's', ip_address: ip }],
  });
const qr = (name: string, net: string, router: string) =>
  port({ id: id(name), network_id: net, host: 'n', device_owner: 'network:router_interface', device_id: router });
const replica = replicaOf({
  networks: [netA, netB, netC],
  ports: [
    vm('c0de1', netA.id, '10.0.0.3'),
    vm('c0de2', netB.id, '10.0.0.3', 'p2'),
    vm('c0de3', netC.id, '10.9.0.3'),
    vm('c0de4', netC.id, '2001:db8::5'),
    qr('9a1a1', netA.id, r1),
    qr('9a1b2', netB.id, r2),
  ],
});

describe('findRequester()', () => {
  it("finds the port on the router's networks that holds the address", () => {
    assert.deepEqual(
      ['instanceId', 'projectId'].map((k) => findRequester(replica, '10.0.0.3', { routerId: r1 })?.[k as 'instanceId']),
      ['instance-c0de1', 'p1'],
    );
    assert.equal(findRequester(replica, '10.0.0.3', { routerId: r2 })?.instanceId, 'instance-c0de2');
  });

  it('finds it on the network a qdhcp proxy serves, also by an IPv4-mapped or IPv6 address', () => {
    assert.equal(findRequester(replica, '::ffff:10.9.0.3', { networkId: netC.id })?.instanceId, 'instance-c0de3');
    assert.equal(findRequester(replica, '2001:db8:0::5', { networkId: netC.id })?.instanceId, 'instance-c0de4');
  });

  it('answers nobody for an address on none of those networks, or no address at all', () => {
    assert.equal(findRequester(replica, '10.9.0.3', { routerId: r1 }), null);
    assert.equal(findRequester(replica, '10.0.0.3', { networkId: netC.id }), null);
    assert.equal(findRequester(replica, 'not an address', { routerId: r1 }), null);
  });
});
