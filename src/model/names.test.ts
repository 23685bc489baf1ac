import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import * as names from './names.js';

describe('names', () => {
  it('device names follow Neutron: prefix + 11 characters of the port id', () => {
    const id = '3c9b4a1e-2f5d-4c1a-9e0b-123456789abc';
    assert.equal(names.tapDevice(id), 'tap3c9b4a1e-2f');
    assert.equal(names.qvoDevice(id), 'qvo3c9b4a1e-2f');
    assert.equal(names.qrDevice(id), 'qr-3c9b4a1e-2f');
    assert.equal(names.dhcpNamespace(id), `qdhcp-${id}`);
  });

  it('no interface name exceeds the kernel limit of 15 characters', () => {
    const makers = [
      names.tapDevice,
      names.qbrBridge,
      names.qvbDevice,
      names.qvoDevice,
      names.qrDevice,
      names.qgDevice,
      names.nsDevice,
    ];
    for (let i = 0; i < 2000; i++) {
      const id = randomUUID();
      for (const make of makers) assert.ok(make(id).length <= names.MAX_DEVICE_NAME, make(id));
    }
    assert.ok(names.tunnelPort('vxlan', '255.255.255.255').length <= names.MAX_DEVICE_NAME);
    for (let i = 0; i < 2000; i++) {
      const id = randomUUID();
      assert.ok(names.trunkBridge(id).length <= names.MAX_DEVICE_NAME - 1);
      for (const p of ['tpi-', 'tpt-', 'spi-', 'spt-'] as const)
        assert.ok(names.trunkPatch(p, id).length <= names.MAX_DEVICE_NAME);
    }
    assert.equal(names.tunnelPort('gre', '198.18.0.2'), 'gre-c6120002');
  });

  it("trunk bridges and patch ports are named as Neutron's trunk driver names them", () => {
    const id = '3c9b4a1e-2f5d-4c1a-9e0b-123456789abc';
    assert.equal(names.trunkBridge(id), 'tbr-3c9b4a1e-2');
    assert.equal(names.trunkPatch('tpi-', id), 'tpi-3c9b4a1e-2f');
    assert.equal(names.trunkPatch('spt-', id), 'spt-3c9b4a1e-2f');
    assert.ok(names.isTrunkPatch('spi-3c9b4a1e-2f') && !names.isTrunkPatch('qvo3c9b4a1e-2f'));
  });

  it('firewall chains stay within iptables limits and ipsets within ipset limits', () => {
    const id = randomUUID();
    assert.ok(names.portChain('i', id).length <= 28);
    assert.ok(names.remoteGroupSet('IPv6', id).length <= 31);
    for (const c of ['PREROUTING', 'OUTPUT', 'POSTROUTING', 'snat', 'float-snat', 'mark'] as const)
      assert.ok(names.l3Chain(c).length <= 28, names.l3Chain(c));
    for (const c of [names.FIREWALL_FALLBACK_CHAIN, names.FIREWALL_ZONE_CHAIN, names.groupRulesChain('o', [id, randomUUID()])])
      assert.ok(c.length <= 28, c);
  });

  it('group rule chains: one group by its id, several by a hash of the set, whatever the order', () => {
    const a = '3c9b4a1e-2f5d-4c1a-9e0b-123456789abc';
    const b = '7f00aa12-0000-4000-8000-000000000000';
    assert.equal(names.groupRulesChain('i', [a]), 'quark-fw-gi3c9b4a1e-2');
    assert.equal(names.groupRulesChain('o', [a, b]), names.groupRulesChain('o', [b, a]));
    assert.match(names.groupRulesChain('i', [a, b]), /^quark-fw-gi[0-9a-f]{10}$/);
    assert.notEqual(names.groupRulesChain('i', [a, b]), names.groupRulesChain('i', [a]));
  });

  it("dhcp port device_id is Neutron's dhcp<uuid5(NAMESPACE_DNS, host)>-<network id>", () => {
    const net = '3c9b4a1e-2f5d-4c1a-9e0b-123456789abc';
    assert.equal(names.dhcpPortDeviceId('network', net), `dhcp7b60c1d9-602e-5110-8c89-a9475b89732c-${net}`);
    assert.equal(names.dhcpStateDir('/var/lib/quark/agent/', net), `/var/lib/quark/agent/dhcp/${net}`);
  });
});
