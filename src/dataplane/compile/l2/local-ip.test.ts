import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qvoDevice } from '../../../model/names.js';
import type { LocalIp, LocalIpAssociation } from '../../../model/resources.js';
import { id, network, ovsAgent, port, replicaOf, settings, subnet, vif } from '../../testing/fixtures.js';
import { golden } from '../../testing/golden.js';
import { compile } from '../compile.js';
import type { HostFacts } from '../inputs.js';
import { renderPlan } from '../render.js';
import { BrInt } from '../tables.js';

// compute1 hosts a client (vm1) and a node-local cache (cache1) associated with the local IP
// 10.0.0.250; compute2 hosts another client only.
const net = network({ id: id('aaaa1'), 'provider:segmentation_id': 100 });
const sub = subnet({ id: id('5aaa1'), network_id: net.id, cidr: '10.0.0.0/24', gateway_ip: '10.0.0.1' });
const vm = (name: string, host: string, ip: string, mac: string) =>
  port({ id: id(name), network_id: net.id, host, mac_address: mac, fixed_ips: [{ subnet_id: sub.id, ip_address: ip }] });
const vm1 = vm('c0de1', 'compute1', '10.0.0.11', 'fa:16:3e:00:00:11');
const cache1 = vm('cac01', 'compute1', '10.0.0.21', 'fa:16:3e:00:00:21');
const vm3 = vm('c0de3', 'compute2', '10.0.0.13', 'fa:16:3e:00:00:13');
const holder = port({
  id: id('11b01'),
  network_id: net.id,
  host: '',
  device_owner: 'network:local_ip',
  fixed_ips: [{ subnet_id: sub.id, ip_address: '10.0.0.250' }],
});
const lip: LocalIp = {
  id: id('11a01'),
  project_id: 'p1',
  name: 'cache',
  description: '',
  local_port_id: holder.id,
  network_id: net.id,
  local_ip_address: '10.0.0.250',
  ip_mode: 'translate',
  created_at: '',
  updated_at: '',
  revision_number: 0,
};
const association: LocalIpAssociation = {
  id: `${lip.id}:${cache1.id}`,
  local_ip_id: lip.id,
  project_id: 'p1',
  fixed_port_id: cache1.id,
  fixed_ip: '10.0.0.21',
};
const replica = (associations: LocalIpAssociation[]) =>
  replicaOf({
    networks: [net],
    subnets: [sub],
    ports: [vm1, cache1, vm3, holder],
    localIps: [lip],
    localIpAssociations: associations,
    agents: [ovsAgent('compute1', '198.18.1.1'), ovsAgent('compute2', '198.18.1.3')],
  });
const facts: HostFacts = { vifs: [vm1, cache1].map((p) => vif(p.id, qvoDevice(p.id))), localVlans: new Map() };

describe('compile() for local IPs', () => {
  it('sends the instances of the association’s host through the local IP table, which NATs to the associated port (golden)', () => {
    const plan = compile(replica([association]), facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    golden('compute-local-ip', renderPlan(plan));
    const flows = plan.flows.filter((f) => f.table === BrInt.LOCAL_IP);
    assert.ok(flows.some((f) => f.match === 'ip,reg6=1,nw_dst=10.0.0.250' && f.actions.includes('nat(dst=10.0.0.21)')));
    assert.ok(
      plan.flows.some((f) => f.table === BrInt.LOCAL_SWITCHING && f.priority === 8 && f.match === `in_port=${qvoDevice(vm1.id)}`),
    );
  });

  it('changes nothing where no association’s port is bound', () => {
    const without = compile(replica([]), facts, settings('compute1', { tunnelIp: '198.18.1.1' }));
    assert.equal(
      without.flows.some((f) => f.table === BrInt.LOCAL_EGRESS || f.table === BrInt.LOCAL_IP),
      false,
    );
    const other = compile(
      replica([association]),
      { vifs: [vif(vm3.id, qvoDevice(vm3.id))], localVlans: new Map() },
      settings('compute2'),
    );
    assert.equal(
      other.flows.some((f) => f.table === BrInt.LOCAL_IP),
      false,
    );
  });
});
