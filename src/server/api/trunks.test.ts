import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorType, projectNetwork, reportL2Agent } from '../testing/fixtures.js';
import { bindingProblem } from '../plugin/port-binding.js';
import { ADMIN, ALICE, BOB, type TestServer, testServer } from '../testing/harness.js';

// What Neutron 21 answers was measured on a reference server with the `trunk` service plugin
// and ML2/openvswitch (docs/trunks.md).
describe('trunks API', () => {
  let s: TestServer;
  let parentNet: { network: string; subnet: string };
  let subNet: { network: string; subnet: string };
  before(async () => {
    s = await testServer();
    parentNet = await projectNetwork(s, ALICE, '10.0.0.0/24', 'parent');
    subNet = await projectNetwork(s, ALICE, '10.0.1.0/24', 'sub');
  });
  after(() => s.close());

  const port = async (network: string, body: Record<string, unknown> = {}, as = ALICE) =>
    (await s.post('/v2.0/ports', { port: { network_id: network, ...body } }, as)).port;
  const create = (body: Record<string, unknown>, as = ALICE) => s.request('POST', '/v2.0/trunks', { trunk: body }, as);
  const action = (id: string, name: string, body: unknown, as = ALICE) =>
    s.request('PUT', `/v2.0/trunks/${id}/${name}`, body, as);
  const vlan = (port_id: string, segmentation_id: number) => ({ port_id, segmentation_type: 'vlan', segmentation_id });

  it('creates a trunk with subports, shows it on the parent port, adds and removes subports', async () => {
    const parent = await port(parentNet.network);
    const [a, b] = [await port(subNet.network), await port(subNet.network)];
    const r = await create({ port_id: parent.id, name: 't1', sub_ports: [vlan(a.id, 101)] });
    assert.equal(r.status, 201);
    const trunk = r.body.trunk;
    assert.deepEqual(Object.keys(trunk).sort(), [
      'admin_state_up',
      'created_at',
      'description',
      'id',
      'name',
      'port_id',
      'project_id',
      'revision_number',
      'status',
      'sub_ports',
      'tags',
      'tenant_id',
      'updated_at',
    ]);
    assert.deepEqual([trunk.status, trunk.admin_state_up, trunk.sub_ports], ['DOWN', true, [vlan(a.id, 101)]]);
    const shown = (await s.get(`/v2.0/ports/${parent.id}`, ALICE)).port;
    assert.deepEqual(shown.trunk_details, {
      trunk_id: trunk.id,
      sub_ports: [{ ...vlan(a.id, 101), mac_address: a.mac_address }],
    });
    assert.equal((await s.get(`/v2.0/ports/${a.id}`, ALICE)).port.trunk_details, undefined);

    const added = await action(trunk.id, 'add_subports', { sub_ports: [vlan(b.id, 102)] });
    assert.equal(added.status, 200);
    assert.equal(added.body.id, trunk.id, 'the trunk itself, not wrapped');
    assert.deepEqual(added.body.sub_ports, [vlan(a.id, 101), vlan(b.id, 102)]);
    assert.equal(added.body.revision_number, trunk.revision_number + 1);
    assert.deepEqual((await s.get(`/v2.0/trunks/${trunk.id}/get_subports`, ALICE)).sub_ports, added.body.sub_ports);

    const removed = await action(trunk.id, 'remove_subports', { sub_ports: [{ port_id: a.id }] });
    assert.deepEqual(removed.body.sub_ports, [vlan(b.id, 102)]);
    assert.equal(errorType(await action(trunk.id, 'remove_subports', { sub_ports: [{ port_id: a.id }] })), 'SubPortNotFound');
    await s.del(`/v2.0/trunks/${trunk.id}`, ALICE);
    assert.equal(errorType(await s.request('GET', `/v2.0/trunks/${trunk.id}`, undefined, ALICE)), 'TrunkNotFound');
    assert.equal((await s.get(`/v2.0/ports/${parent.id}`, ALICE)).port.trunk_details, undefined);
  });

  it('refuses ports already in a trunk, segmentation ids in use, and invalid subports as Neutron', async () => {
    const parent = await port(parentNet.network);
    const [a, b, c] = [await port(subNet.network), await port(subNet.network), await port(subNet.network)];
    const trunk = (await create({ port_id: parent.id, sub_ports: [vlan(a.id, 10)] })).body.trunk;
    const add = (sub: unknown) => action(trunk.id, 'add_subports', { sub_ports: [sub] });
    assert.equal(errorType(await add(vlan(b.id, 10))), 'DuplicateSubPort');
    assert.equal(errorType(await add(vlan(a.id, 11))), 'TrunkPortInUse');
    assert.equal(errorType(await add(vlan(parent.id, 12))), 'ParentPortInUse');
    assert.equal(errorType(await create({ port_id: parent.id })), 'ParentPortInUse');
    assert.equal(errorType(await create({ port_id: a.id })), 'TrunkPortInUse');
    const withDevice = await port(subNet.network, { device_id: 'vm-1' });
    assert.equal(errorType(await add(vlan(withDevice.id, 13))), 'PortInUse');
    const invalid = async (sub: unknown, message: string) => {
      const r = await add(sub);
      assert.deepEqual([r.status, errorType(r), r.body.NeutronError.message], [400, 'InvalidInput', message]);
    };
    await invalid(vlan(b.id, 4095), "Invalid input for operation: Segmentation ID '4095' is not in range.");
    await invalid(
      { port_id: b.id, segmentation_type: 'vxlan', segmentation_id: 5 },
      "Invalid input for operation: Unknown segmentation_type 'vxlan'.",
    );
    // `inherit` takes the subport network's segmentation: a tunnel here, which the OVS wiring cannot carry.
    const type = (await s.get(`/v2.0/networks/${subNet.network}`, ADMIN)).network['provider:network_type'];
    await invalid(
      { port_id: b.id, segmentation_type: 'inherit' },
      `Invalid input for operation: Unknown segmentation_type '${type}'.`,
    );
    await invalid(
      { port_id: b.id, segmentation_type: 'vlan' },
      `Invalid input for operation: Invalid subport details '{'port_id': '${b.id}', 'segmentation_type': 'vlan'}': missing segmentation information. Must specify both segmentation_id and segmentation_type.`,
    );
    await invalid(
      vlan(b.id, 'abc' as unknown as number),
      "Invalid input for operation: Invalid subport details: segmentation_id 'abc' is not an integer.",
    );
    const dict = await action(trunk.id, 'add_subports', { sub_ports: vlan(b.id, 20) });
    assert.equal(errorType(dict), 'InvalidInput');
    const created = await create({ port_id: b.id, sub_ports: { port_id: c.id } });
    assert.deepEqual([created.status, errorType(created)], [400, 'HTTPBadRequest']);
    assert.match(created.body.NeutronError.message, /^Invalid input for sub_ports\. Reason: Invalid data format for subports/);
    const missing = '11111111-2222-3333-4444-555555555555';
    assert.equal(errorType(await add(vlan(missing, 30))), 'PortNotFound');
    assert.equal(errorType(await create({ port_id: missing })), 'PortNotFound');
    const strId = await add({ port_id: c.id, segmentation_type: 'vlan', segmentation_id: '31' });
    assert.deepEqual(strId.body.sub_ports.at(-1), vlan(c.id, 31));
    assert.equal(errorType(await s.request('GET', `/v2.0/trunks?status=DOWN`, undefined, ALICE)), 'HTTPBadRequest');
    for (const attr of ['port_id', 'sub_ports', 'status']) {
      const r = await s.request('PUT', `/v2.0/trunks/${trunk.id}`, { trunk: { [attr]: [] } }, ALICE);
      assert.equal(r.status, 400, attr);
    }
  });

  it('keeps ports of a trunk, and a disabled trunk, from being changed', async () => {
    const parent = await port(parentNet.network);
    const a = await port(subNet.network);
    const trunk = (await create({ port_id: parent.id, sub_ports: [vlan(a.id, 5)] })).body.trunk;
    assert.equal(errorType(await s.request('DELETE', `/v2.0/ports/${parent.id}`, undefined, ALICE)), 'PortInUseAsTrunkParent');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/ports/${a.id}`, undefined, ALICE)), 'PortInUseAsSubPort');
    await s.put(`/v2.0/trunks/${trunk.id}`, { trunk: { admin_state_up: false } }, ALICE);
    assert.equal(errorType(await action(trunk.id, 'add_subports', { sub_ports: [] })), 'TrunkDisabled');
    assert.equal(errorType(await action(trunk.id, 'remove_subports', { sub_ports: [{ port_id: a.id }] })), 'TrunkDisabled');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/trunks/${trunk.id}`, undefined, ALICE)), 'TrunkDisabled');
    await s.put(`/v2.0/trunks/${trunk.id}`, { trunk: { admin_state_up: true } }, ALICE);
    await s.del(`/v2.0/trunks/${trunk.id}`, ALICE);
    await s.del(`/v2.0/ports/${a.id}`, ALICE);
    await s.del(`/v2.0/ports/${parent.id}`, ALICE);
  });

  it('binds subports where their parent is bound, and a bound parent keeps its trunk', async () => {
    await reportL2Agent(s, 'compute1', 'Open vSwitch agent', { tunneling_ip: '198.18.1.1', tunnel_types: ['vxlan', 'gre'] });
    const bound = await port(parentNet.network, { 'binding:host_id': 'compute1' }, ADMIN);
    assert.equal(errorType(await create({ port_id: bound.id }, ADMIN)), 'ParentPortInUse');
    const parent = await port(parentNet.network);
    const [a, b] = [await port(subNet.network), await port(subNet.network)];
    const trunk = (await create({ port_id: parent.id, sub_ports: [vlan(a.id, 7)] })).body.trunk;
    const vm = (await s.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': 'compute1' } }, ADMIN)).port;
    assert.equal(vm['binding:vif_details'].bridge_name, `tbr-${trunk.id}`.slice(0, 14));
    const sub = (await s.get(`/v2.0/ports/${a.id}`, ADMIN)).port;
    assert.deepEqual([sub['binding:host_id'], sub.device_owner, sub['binding:vif_type']], ['compute1', 'trunk:subport', 'ovs']);
    await action(trunk.id, 'add_subports', { sub_ports: [vlan(b.id, 8)] });
    assert.equal((await s.get(`/v2.0/ports/${b.id}`, ADMIN)).port['binding:host_id'], 'compute1');
    assert.equal(errorType(await s.request('DELETE', `/v2.0/trunks/${trunk.id}`, undefined, ALICE)), 'TrunkInUse');
    // Bound, its ports not yet wired by the host's agent.
    assert.equal((await s.get(`/v2.0/trunks/${trunk.id}`, ALICE)).trunk.status, 'BUILD');
    await action(trunk.id, 'remove_subports', { sub_ports: [{ port_id: b.id }] });
    const left = (await s.get(`/v2.0/ports/${b.id}`, ADMIN)).port;
    assert.deepEqual([left['binding:host_id'], left.device_owner], ['', '']);
    await s.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': '' } }, ADMIN);
    assert.equal((await s.get(`/v2.0/ports/${a.id}`, ADMIN)).port['binding:host_id'], '');
    await s.del(`/v2.0/trunks/${trunk.id}`, ALICE);
  });

  it('fails to bind a trunk port on a Linux bridge host, which does not wire trunks, and says why', async () => {
    await reportL2Agent(s, 'lb1', 'Linux bridge agent', { tunnel_types: ['vxlan'], interface_mappings: {} });
    // Linux bridge hosts tunnel with VXLAN only.
    const vxlan = async (name: string, cidr: string) => {
      const net = (
        await s.post('/v2.0/networks', { network: { name, project_id: 'alice', 'provider:network_type': 'vxlan' } }, ADMIN)
      ).network.id;
      await s.post('/v2.0/subnets', { subnet: { network_id: net, ip_version: 4, cidr } }, ALICE);
      return net;
    };
    const [parentVxlan, subVxlan] = [await vxlan('lb-parent', '10.0.8.0/24'), await vxlan('lb-sub', '10.0.9.0/24')];
    const parent = await port(parentVxlan);
    const sub = await port(subVxlan);
    const plain = await port(parentVxlan, { 'binding:host_id': 'lb1' }, ADMIN);
    assert.equal(plain['binding:vif_type'], 'bridge', 'a port in no trunk binds there');
    const trunk = (await create({ port_id: parent.id, name: 'lb-trunk', sub_ports: [vlan(sub.id, 9)] })).body.trunk;
    const vm = (await s.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': 'lb1' } }, ADMIN)).port;
    assert.equal(vm['binding:vif_type'], 'binding_failed');
    const subport = (await s.get(`/v2.0/ports/${sub.id}`, ADMIN)).port;
    assert.deepEqual([subport['binding:host_id'], subport['binding:vif_type']], ['lb1', 'binding_failed']);
    const why = bindingProblem(s.store.view, vm, new Date().toISOString(), Number.POSITIVE_INFINITY);
    assert.match(why ?? '', /host lb1 cannot wire port .*: its Linux bridge agent does not wire trunks \(trunk lb-trunk\)/);
    await s.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': '' } }, ADMIN);
    await s.del(`/v2.0/trunks/${trunk.id}`, ALICE);
  });

  it("hides another project's trunks", async () => {
    const parent = await port(parentNet.network);
    const trunk = (await create({ port_id: parent.id })).body.trunk;
    assert.equal(errorType(await s.request('GET', `/v2.0/trunks/${trunk.id}`, undefined, BOB)), 'TrunkNotFound');
    assert.equal(errorType(await s.request('GET', `/v2.0/trunks/${trunk.id}/get_subports`, undefined, BOB)), 'TrunkNotFound');
    assert.equal(errorType(await action(trunk.id, 'add_subports', { sub_ports: [] }, BOB)), 'TrunkNotFound');
    assert.equal(errorType(await create({ port_id: parent.id }, BOB)), 'PortNotFound');
    assert.deepEqual((await s.get('/v2.0/trunks', BOB)).trunks, []);
    await s.del(`/v2.0/trunks/${trunk.id}`, ALICE);
  });
});
