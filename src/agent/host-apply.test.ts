import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compile } from '../dataplane/compile/compile.js';
import { floatingIp, id, network, port, replicaOf, router, settings, subnet } from '../dataplane/testing/fixtures.js';
import { namespaceDigests } from './host-apply.js';

const ext = network({
  id: id('eeee1'),
  'router:external': true,
  'provider:network_type': 'flat',
  'provider:physical_network': 'physnet1',
});
const extSubnet = subnet({ id: id('5eee1'), network_id: ext.id, cidr: '203.0.113.0/24', gateway_ip: '203.0.113.1' });
const net = network({ id: id('aaaa1') });
const sub = subnet({ id: id('5aaa1'), network_id: net.id });
const r = router({ id: id('a0071'), gw_port_id: id('9a7e1') });
const gw = port({
  id: id('9a7e1'),
  network_id: ext.id,
  host: 'network',
  device_owner: 'network:router_gateway',
  device_id: r.id,
  fixed_ips: [{ subnet_id: extSubnet.id, ip_address: '203.0.113.10' }],
});
const qr = port({
  id: id('9a1a1'),
  network_id: net.id,
  host: 'network',
  device_owner: 'network:router_interface',
  device_id: r.id,
  fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.0.1' }],
});
const withGateway = { ...r, external_gateway_info: { network_id: ext.id, enable_snat: true, external_fixed_ips: [] } };
const host = settings('network', { roles: ['l2', 'l3'], bridgeMappings: { physnet1: 'br-ex' } });
const digests = (floatingips: ReturnType<typeof floatingIp>[]) =>
  namespaceDigests(
    compile(
      replicaOf({ networks: [ext, net], subnets: [extSubnet, sub], ports: [gw, qr], routers: [withGateway], floatingips }),
      { vifs: [], localVlans: new Map() },
      host,
    ),
  );

describe('namespaceDigests', () => {
  it('a new floating IP changes the devices and iptables of its router, not its sysctls or routes', () => {
    const before = digests([]);
    const fip = floatingIp({
      id: id('f1a01'),
      floating_network_id: ext.id,
      floating_ip_address: '203.0.113.20',
      port_id: id('c0de1'),
      fixed_ip_address: '10.0.0.4',
      router_id: r.id,
    });
    const after = digests([fip]);
    const changed = [...after.keys()].filter((k) => before.get(k) !== after.get(k)).map((k) => k.split(' ')[0]);
    assert.deepEqual(changed.sort(), ['iptables', 'servicePorts']);
  });
});
