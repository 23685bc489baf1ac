import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BridgePortItem, BridgeUplinkItem, LinuxBridgeItem } from '../compile/plan.js';
import { fdbCommands, parseFdb } from './bridge-fdb.js';
import { parseLinkLine } from './link-monitor.js';
import { type BridgeLink, bridgeCommands, parseLinks } from './linux-bridge.js';
import { neighbourCommands } from './neighbours.js';

const origin = { kind: 'network', id: 'n1' } as const;
const bridge: LinuxBridgeItem = { kind: 'linuxBridge', name: 'brqn1', networkId: 'n1', mtu: 1450, origin };
const vxlan: BridgeUplinkItem = {
  kind: 'bridgeUplink',
  bridge: 'brqn1',
  name: 'vxlan-5',
  link: { type: 'vxlan', vni: 5, local: '198.18.1.11', dstport: 4789, udpCsum: false },
  mtu: 1450,
  origin,
};
const tap = (device: string, b: string | null): BridgePortItem => ({
  kind: 'bridgePort',
  device,
  portId: null,
  bridge: b,
  up: b !== null,
  mtu: b ? 1450 : null,
  origin,
});
const linkOf = (over: Partial<BridgeLink> & { name: string }): BridgeLink => ({
  kind: '',
  master: null,
  up: true,
  mtu: 1450,
  ...over,
});
const lines = (cmds: { line: string }[]) => cmds.map((c) => c.line);

describe('bridgeCommands', () => {
  it('makes a missing bridge, its VXLAN device and puts the tap in, in that order', () => {
    const cmds = bridgeCommands(
      { linuxBridges: [bridge], bridgeUplinks: [vxlan], bridgePorts: [tap('tapa', 'brqn1')] },
      [linkOf({ name: 'tapa', kind: 'veth', up: false, mtu: 1500 })],
      true,
    );
    assert.deepEqual(lines(cmds), [
      'link add brqn1 type bridge forward_delay 0 stp_state 0',
      'link set brqn1 addrgenmode none mtu 1450 up',
      'link add vxlan-5 type vxlan id 5 local 198.18.1.11 dstport 4789 noudpcsum',
      'link set vxlan-5 addrgenmode none mtu 1450 master brqn1 up',
      'link set tapa mtu 1450 master brqn1 up',
    ]);
    assert.ok(cmds.every((c) => c.object === 'brqn1'));
  });

  it('changes nothing when the host has the plan; a tap not plugged yet is skipped', () => {
    const links = [
      linkOf({ name: 'brqn1', kind: 'bridge', bridge: { forwardDelay: 0, stpState: 0 } }),
      linkOf({
        name: 'vxlan-5',
        kind: 'vxlan',
        master: 'brqn1',
        vxlan: { id: 5, local: '198.18.1.11', port: 4789, udpCsum: false },
      }),
      linkOf({ name: 'tapa', kind: 'veth', master: 'brqn1' }),
    ];
    const plan = { linuxBridges: [bridge], bridgeUplinks: [vxlan], bridgePorts: [tap('tapa', 'brqn1'), tap('tapb', 'brqn1')] };
    assert.deepEqual(bridgeCommands(plan, links, true), []);
  });

  it('recreates a VXLAN device with the wrong VNI first, takes an unknown tap out, removes stale devices last', () => {
    const links = [
      linkOf({ name: 'brqn1', kind: 'bridge', bridge: { forwardDelay: 0, stpState: 0 } }),
      linkOf({
        name: 'vxlan-5',
        kind: 'vxlan',
        master: 'brqn1',
        vxlan: { id: 6, local: '198.18.1.11', port: 4789, udpCsum: false },
      }),
      linkOf({ name: 'tapx', kind: 'veth', master: 'brqn1' }),
      linkOf({ name: 'brqold', kind: 'bridge', bridge: { forwardDelay: 0, stpState: 0 } }),
      linkOf({
        name: 'vxlan-9',
        kind: 'vxlan',
        master: 'brqold',
        vxlan: { id: 9, local: '198.18.1.11', port: 4789, udpCsum: false },
      }),
      linkOf({ name: 'eth2.7', kind: 'vlan', master: 'brqold', vlan: { id: 7, link: 'eth2' } }),
      linkOf({ name: 'eth2', kind: 'veth', master: 'brqold' }),
    ];
    const plan = { linuxBridges: [bridge], bridgeUplinks: [vxlan], bridgePorts: [tap('tapx', null)] };
    const cmds = bridgeCommands(plan, links, true);
    assert.deepEqual(lines(cmds), [
      'link del vxlan-5',
      'link add vxlan-5 type vxlan id 5 local 198.18.1.11 dstport 4789 noudpcsum',
      'link set vxlan-5 addrgenmode none mtu 1450 master brqn1 up',
      'link set tapx nomaster down',
      'link del vxlan-9',
      'link del eth2.7',
      'link del brqold',
    ]);
    assert.deepEqual(
      bridgeCommands(plan, links, false)
        .filter((c) => c.object === 'host')
        .map((c) => c.line),
      ['link set tapx nomaster down'],
    );
  });

  it("reads ip's JSON: kinds, masters, VXLAN and VLAN details", () => {
    const json = JSON.stringify([
      {
        ifname: 'vxlan-5',
        mtu: 1450,
        flags: ['UP'],
        master: 'brqn1',
        linkinfo: { info_kind: 'vxlan', info_data: { id: 5, local: '1.2.3.4', port: 4789, udp_csum: false } },
      },
      {
        ifname: 'eth2.7',
        mtu: 1500,
        flags: [],
        link: 'eth2',
        linkinfo: { info_kind: 'vlan', info_data: { protocol: '802.1Q', id: 7 } },
      },
    ]);
    assert.deepEqual(parseLinks(json), [
      {
        name: 'vxlan-5',
        kind: 'vxlan',
        master: 'brqn1',
        up: true,
        mtu: 1450,
        vxlan: { id: 5, local: '1.2.3.4', port: 4789, udpCsum: false },
      },
      { name: 'eth2.7', kind: 'vlan', master: null, up: false, mtu: 1500, vlan: { id: 7, link: 'eth2' } },
    ]);
  });
});

describe('fdbCommands and neighbourCommands', () => {
  const observed = parseFdb(
    JSON.stringify([
      { mac: '00:00:00:00:00:00', ifname: 'vxlan-5', dst: '198.18.1.12', flags: ['self'], state: 'permanent' },
      { mac: '00:00:00:00:00:00', ifname: 'vxlan-5', dst: '198.18.1.99', flags: ['self'], state: 'permanent' },
      { mac: 'fa:16:3e:00:00:09', ifname: 'vxlan-5', dst: '198.18.1.12', flags: ['self'], state: '' },
      { mac: '02:00:00:00:00:01', ifname: 'vxlan-5', flags: [], master: 'brqn1', state: 'permanent' },
    ]),
  );
  const entry = (mac: string, dst: string) => ({ kind: 'fdbEntry', device: 'vxlan-5', mac, dst, origin }) as const;

  it('appends flooding entries, replaces unicast ones, deletes only permanent entries the plan lacks', () => {
    assert.deepEqual(
      fdbCommands(
        [
          entry('00:00:00:00:00:00', '198.18.1.12'),
          entry('00:00:00:00:00:00', '198.18.1.13'),
          entry('fa:16:3e:00:00:01', '198.18.1.13'),
        ],
        observed,
        true,
      ),
      [
        'fdb del 00:00:00:00:00:00 dev vxlan-5 dst 198.18.1.99',
        'fdb append 00:00:00:00:00:00 dev vxlan-5 dst 198.18.1.13',
        'fdb replace fa:16:3e:00:00:01 dev vxlan-5 dst 198.18.1.13',
      ],
    );
  });

  it('replaces a neighbour whose MAC changed instead of deleting it', () => {
    const n = (ip: string, mac: string) => ({ kind: 'neighbour', device: 'vxlan-5', ip, mac, origin }) as const;
    const have = [
      { ip: '10.0.0.5', mac: 'fa:16:3e:00:00:01', device: 'vxlan-5' },
      { ip: '10.0.0.6', mac: 'fa:16:3e:00:00:02', device: 'vxlan-5' },
      { ip: '10.9.9.9', mac: 'fa:16:3e:00:00:09', device: 'eth1' },
    ];
    assert.deepEqual(neighbourCommands([n('10.0.0.5', 'fa:16:3e:00:00:03')], have, true), [
      'neigh del 10.0.0.6 dev vxlan-5',
      'neigh replace 10.0.0.5 lladdr fa:16:3e:00:00:03 dev vxlan-5 nud permanent',
    ]);
  });
});

describe('parseLinkLine', () => {
  it('reads the name of `ip -o monitor link` lines, deletions included', () => {
    assert.deepEqual(parseLinkLine('7: tap3c9b4a1e-2f@if2: <BROADCAST,MULTICAST> mtu 1500'), {
      name: 'tap3c9b4a1e-2f',
      deleted: false,
    });
    assert.deepEqual(parseLinkLine('Deleted 7: tap3c9b4a1e-2f@NONE: <BROADCAST> mtu 1500'), {
      name: 'tap3c9b4a1e-2f',
      deleted: true,
    });
    assert.equal(parseLinkLine('    link/ether 1e:e0:1a:c7:b8:34'), null);
  });
});
