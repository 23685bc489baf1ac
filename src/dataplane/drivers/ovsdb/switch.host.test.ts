import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PrivateOvs, startPrivateOvs } from '../../testing/private-ovs.js';
import { run } from '../../testing/run.js';
import { applySwitchChange } from './apply-switch-change.js';
import { OvsdbClient } from './client.js';
import { readSwitch } from './switch-state.js';

describe('applySwitchChange() and readSwitch() on a private OVS with ovs-vswitchd (netdev datapath)', () => {
  let ovs: PrivateOvs;
  let client: OvsdbClient;
  let p: string;
  /** `ovs-vsctl get`, with the quotes it puts around some strings removed. */
  const get = async (...args: string[]) => (await ovs.vsctl('get', ...args)).trim().replace(/^"(.*)"$/, '$1');

  before(async () => {
    ovs = await startPrivateOvs({ vswitchd: true });
    client = await OvsdbClient.connect(ovs.dbSocket);
    p = ovs.prefix;
  });
  after(async () => {
    client?.close();
    await ovs?.stop();
  });

  it('creates bridges, patch, tunnel and VIF ports in one transaction, as ovs-vsctl then shows them', async () => {
    const result = await applySwitchChange(
      client,
      {
        bridges: [
          { name: `${p}-i`, datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow10', 'OpenFlow13'] },
          { name: `${p}-t`, datapathType: 'netdev', failMode: 'secure', otherConfig: { 'disable-in-band': 'true' } },
        ],
        ports: [
          { bridge: `${p}-i`, name: `${p}-pt`, interfaces: [{ type: 'patch', options: { peer: `${p}-pi` } }] },
          { bridge: `${p}-t`, name: `${p}-pi`, interfaces: [{ type: 'patch', options: { peer: `${p}-pt` } }] },
          {
            bridge: `${p}-i`,
            name: `${p}-v1`,
            tag: 7,
            externalIds: { 'quark-owner': 'test' },
            interfaces: [{ type: 'internal', externalIds: { 'iface-id': 'port-1', 'attached-mac': 'fa:16:3e:00:00:01' } }],
          },
          {
            bridge: `${p}-t`,
            name: 'gre-c6120002',
            interfaces: [{ type: 'gre', options: { remote_ip: '198.18.0.2', key: 'flow' } }],
          },
          {
            bridge: `${p}-t`,
            name: 'vxlan-c6120003',
            interfaces: [{ type: 'vxlan', options: { remote_ip: '198.18.0.3', key: 'flow' } }],
          },
        ],
        comment: `quark test ${p}`,
      },
      { waitForVswitchd: true },
    );
    assert.equal(result.changed, true);
    assert.deepEqual(result.interfaceProblems, []);

    assert.deepEqual((await ovs.vsctl('list-br')).trim().split('\n'), [`${p}-i`, `${p}-t`]);
    assert.deepEqual((await ovs.vsctl('list-ports', `${p}-i`)).trim().split('\n'), [`${p}-pt`, `${p}-v1`]);
    assert.deepEqual((await ovs.vsctl('list-ports', `${p}-t`)).trim().split('\n'), ['gre-c6120002', `${p}-pi`, 'vxlan-c6120003']);
    assert.equal(await get('Bridge', `${p}-i`, 'datapath_type'), 'netdev');
    assert.equal(await get('Bridge', `${p}-i`, 'fail_mode'), 'secure');
    assert.equal(await get('Bridge', `${p}-i`, 'protocols'), '[OpenFlow10, OpenFlow13]');
    assert.equal(await get('Bridge', `${p}-t`, 'other_config:disable-in-band'), 'true');
    assert.equal(await get('Interface', `${p}-i`, 'type'), 'internal', 'the bridge has its local port, as add-br makes');
    assert.equal(await get('Port', `${p}-v1`, 'tag'), '7');
    assert.equal(await get('Interface', `${p}-v1`, 'external_ids:iface-id'), 'port-1');
    assert.equal(await get('Interface', `${p}-pt`, 'options:peer'), `${p}-pi`);
    assert.equal(await get('Interface', 'gre-c6120002', 'type'), 'gre');
    assert.equal(await get('Interface', 'vxlan-c6120003', 'options:remote_ip'), '198.18.0.3');
    // ovs-vswitchd applied it before the call returned: every interface has its OpenFlow port.
    for (const name of [`${p}-v1`, `${p}-pt`, `${p}-pi`, 'gre-c6120002', 'vxlan-c6120003'])
      assert.match(await get('Interface', name, 'ofport'), /^[1-9]\d*$/, name);
    assert.equal(await get('Open_vSwitch', '.', 'cur_cfg'), String(result.nextCfg));
    // The transaction is one entry in the database log, with its comment.
    const log = await run(['ovsdb-tool', '-mm', 'show-log', join(ovs.dbdir, 'conf.db')]);
    assert.match(log, new RegExp(`"quark test ${p}"`));

    const state = await readSwitch(client);
    const vif = state.bridges.find((b) => b.name === `${p}-i`)?.ports.find((x) => x.name === `${p}-v1`);
    assert.equal(vif?.tag, 7);
    assert.deepEqual(vif?.externalIds, { 'quark-owner': 'test' });
    assert.equal(vif?.interfaces[0]?.externalIds['iface-id'], 'port-1');
    assert.ok((vif?.interfaces[0]?.ofport ?? 0) > 0);
    assert.deepEqual(
      state.bridges.find((b) => b.name === `${p}-t`)?.ports.map((x) => [x.name, x.interfaces[0]?.type]),
      [
        ['gre-c6120002', 'gre'],
        [`${p}-pi`, 'patch'],
        [`${p}-t`, 'internal'],
        ['vxlan-c6120003', 'vxlan'],
      ],
    );
  });

  it('sends nothing when applied a second time', async () => {
    const change = {
      bridges: [{ name: `${p}-s`, datapathType: 'netdev' as const }],
      ports: [{ bridge: `${p}-s`, name: `${p}-s1` }],
    };
    assert.equal((await applySwitchChange(client, change)).changed, true);
    const before = await get('Open_vSwitch', '.', 'next_cfg');
    assert.equal((await applySwitchChange(client, change, { waitForVswitchd: true })).changed, false);
    assert.equal(await get('Open_vSwitch', '.', 'next_cfg'), before);
    await applySwitchChange(client, { removeBridges: [`${p}-s`] });
  });

  it('updates ports, removes ports and bridges, and the database drops their rows', async () => {
    const br = `${p}-u`;
    await applySwitchChange(client, {
      bridges: [{ name: br, datapathType: 'netdev' }],
      ports: [
        { bridge: br, name: `${p}-u1`, tag: 3, interfaces: [{ type: 'internal' }] },
        { bridge: br, name: `${p}-u2`, interfaces: [{ type: 'internal' }] },
      ],
    });
    await applySwitchChange(
      client,
      {
        ports: [{ bridge: br, name: `${p}-u1`, tag: null, interfaces: [{ type: 'internal', externalIds: { 'iface-id': 'x' } }] }],
        removePorts: [`${p}-u2`, `${p}-never-existed`],
      },
      { waitForVswitchd: true },
    );
    assert.equal(await get('Port', `${p}-u1`, 'tag'), '[]');
    assert.equal(await get('Interface', `${p}-u1`, 'external_ids:iface-id'), 'x');
    assert.deepEqual((await ovs.vsctl('list-ports', br)).trim().split('\n'), [`${p}-u1`]);
    assert.doesNotMatch(await ovs.vsctl('--columns=name', 'list', 'Interface'), new RegExp(`${p}-u2`));

    await applySwitchChange(client, { removeBridges: [br] }, { waitForVswitchd: true });
    assert.doesNotMatch(await ovs.vsctl('list-br'), new RegExp(br));
    const left = await ovs.vsctl('--columns=name', 'list', 'Port');
    assert.doesNotMatch(left, new RegExp(`${p}-u1`), 'ports of a removed bridge are collected');
  });

  it('keeps every port when several writers add ports to the same new bridge at once', async () => {
    const br = `${p}-c`;
    const writers = await Promise.all([0, 1, 2, 3].map(() => OvsdbClient.connect(ovs.dbSocket)));
    try {
      await Promise.all(
        writers.map((w, i) =>
          applySwitchChange(w, {
            bridges: [{ name: br, datapathType: 'netdev', failMode: 'secure' }],
            ports: Array.from({ length: 10 }, (_, j) => ({ bridge: br, name: `${p}-c${i}${j}` })),
          }),
        ),
      );
      // Meanwhile ovs-vsctl, another writer, adds one too.
      await ovs.vsctl('--no-wait', 'add-port', br, `${p}-cv`);
    } finally {
      for (const w of writers) w.close();
    }
    const ports = (await ovs.vsctl('list-ports', br)).trim().split('\n');
    assert.equal(ports.length, 41);
    assert.equal((await ovs.vsctl('list-br')).split('\n').filter((b) => b === br).length, 1);
    await applySwitchChange(client, { removeBridges: [br] });
  });

  it('reports an interface ovs-vswitchd could not create, as ovs-vsctl warns about it', async () => {
    const br = `${p}-e`;
    const result = await applySwitchChange(
      client,
      { bridges: [{ name: br, datapathType: 'netdev' }], ports: [{ bridge: br, name: `${p}-nodev` }] },
      { waitForVswitchd: true },
    );
    assert.deepEqual(
      result.interfaceProblems.map((x) => x.name),
      [`${p}-nodev`],
    );
    const iface = (await readSwitch(client)).bridges.find((b) => b.name === br)?.ports.find((x) => x.name === `${p}-nodev`);
    assert.equal(iface?.interfaces[0]?.ofport, -1);
    assert.ok(iface?.interfaces[0]?.error);
    await applySwitchChange(client, { removeBridges: [br] });
  });
});
