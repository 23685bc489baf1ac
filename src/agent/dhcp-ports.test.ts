import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { id, network, port, replicaOf, subnet } from '../dataplane/testing/fixtures.js';
import { dhcpPortDeviceId } from '../model/names.js';
import type { Port } from '../model/resources.js';
import { planDhcpPorts } from './dhcp-ports.js';

const host = 'network';
const net = network({ id: id('aaaa1') });
const v4 = subnet({ id: id('5a1'), network_id: net.id });
const v4b = subnet({ id: id('5a2'), network_id: net.id, cidr: '10.1.0.0/24', gateway_ip: '10.1.0.1' });
const mine = (over: Partial<Port> = {}): Port =>
  port({
    id: id('d0ca1'),
    network_id: net.id,
    host,
    device_owner: 'network:dhcp',
    device_id: dhcpPortDeviceId(host, net.id),
    fixed_ips: [{ subnet_id: v4.id, ip_address: '10.0.0.2' }],
    ...over,
  });

describe('planDhcpPorts', () => {
  it('creates the port of a served network, with Neutron device_id and one address per DHCP subnet', () => {
    const r = replicaOf({ networks: [net], subnets: [v4, v4b], dhcpNetworks: [net.id] });
    const [a, ...rest] = planDhcpPorts(r, host);
    assert.equal(rest.length, 0);
    assert.equal(a?.op, 'create');
    assert.deepEqual(a?.op === 'create' && a.port, {
      network_id: net.id,
      project_id: net.project_id,
      name: '',
      admin_state_up: true,
      device_owner: 'network:dhcp',
      device_id: dhcpPortDeviceId(host, net.id),
      'binding:host_id': host,
      fixed_ips: [{ subnet_id: v4.id }, { subnet_id: v4b.id }],
    });
  });

  it('asks for nothing when the port is right', () => {
    const r = replicaOf({ networks: [net], subnets: [v4], ports: [mine()], dhcpNetworks: [net.id] });
    assert.deepEqual(planDhcpPorts(r, host), []);
  });

  it('adds an address on a new DHCP subnet and drops the one on a subnet whose DHCP went off, keeping the rest', () => {
    const off = { ...v4, enable_dhcp: false };
    const r = replicaOf({
      networks: [net],
      subnets: [off, v4b],
      ports: [mine()],
      dhcpNetworks: [net.id],
    });
    assert.deepEqual(planDhcpPorts(r, host), [
      { op: 'update', networkId: net.id, portId: id('d0ca1'), revision: 1, port: { fixed_ips: [{ subnet_id: v4b.id }] } },
    ]);
    const both = replicaOf({ networks: [net], subnets: [v4, v4b], ports: [mine()], dhcpNetworks: [net.id] });
    assert.deepEqual(planDhcpPorts(both, host)[0]?.op === 'update' && planDhcpPorts(both, host)[0], {
      op: 'update',
      networkId: net.id,
      portId: id('d0ca1'),
      revision: 1,
      port: { fixed_ips: [{ subnet_id: v4.id, ip_address: '10.0.0.2' }, { subnet_id: v4b.id }] },
    });
  });

  it('binds a port of ours that lost its binding and deletes duplicates', () => {
    const dup = mine({ id: id('d0ca2'), fixed_ips: [{ subnet_id: v4.id, ip_address: '10.0.0.3' }] });
    const r = replicaOf({
      networks: [net],
      subnets: [v4],
      ports: [mine({ 'binding:host_id': '' }), dup],
      dhcpNetworks: [net.id],
    });
    assert.deepEqual(
      planDhcpPorts(r, host).map((a) => [a.op, a.op === 'create' ? '' : a.portId]),
      [
        ['update', id('d0ca1')],
        ['delete', id('d0ca2')],
      ],
    );
  });

  it("deletes the port of a network no longer served here, and never touches another host's port", () => {
    const theirs = mine({ id: id('d0cb1'), device_id: dhcpPortDeviceId('network2', net.id) });
    const r = replicaOf({ networks: [net], subnets: [v4], ports: [mine(), theirs], dhcpNetworks: [] });
    assert.deepEqual(
      planDhcpPorts(r, host).map((a) => [a.op, a.op === 'create' ? '' : a.portId]),
      [['delete', id('d0ca1')]],
    );
    const down = replicaOf({
      networks: [{ ...net, admin_state_up: false }],
      subnets: [v4],
      ports: [mine()],
      dhcpNetworks: [net.id],
    });
    assert.equal(planDhcpPorts(down, host)[0]?.op, 'delete', 'an admin-down network is not served');
  });
});
