import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostItem } from '../../model/explain.js';
import { HAVANA_PORTS, havanaExplainView } from '../testing/havana.js';
import { canonicalActions } from './flow-items.js';
import { explainHost } from './explain-host.js';

const { vm2 } = HAVANA_PORTS;
const ipv4 = (items: readonly HostItem[]) => items.filter((i) => i.section !== 'iptables' || i.where.startsWith('iptables'));
const drift = (items: readonly HostItem[]) => ipv4(items).filter((i) => !['ok', 'learnt', 'foreign'].includes(i.status));

describe('explainHost', () => {
  it('finds the saved compute node exactly as planned: every flow, rule, set, device and port', async () => {
    const x = await explainHost(havanaExplainView(), null, ['l2']);
    assert.deepEqual(
      drift(x.items).map((i) => `${i.status} ${i.text}`),
      [],
    );
    const flows = x.items.filter((i) => i.section === 'flow');
    assert.equal(flows.length, 23);
    assert.deepEqual(flows.filter((i) => i.status === 'learnt').length, 1);
    assert.ok(x.items.some((i) => i.section === 'namespace' && i.text === 'netns vm2' && i.owners[0]?.id === vm2.id));
  });

  it('ties a port’s flows, chains and VIF to it, with words and counters', async () => {
    const x = await explainHost(havanaExplainView(), [`port:${vm2.id}`], ['l2']);
    const texts = x.items.map((i) => `${i.section} ${i.text}`);
    assert.ok(texts.some((t) => t.startsWith('ovs-port br-int port qvo270c41a8-db tag=2')));
    assert.ok(texts.some((t) => t.startsWith('iptables -A quark-fw-s270c41a8-d -s 10.0.0.2/32')));
    const spoof = x.items.find((i) => i.text.startsWith('-A quark-fw-s270c41a8-d -s 10.0.0.2/32'))!;
    assert.equal(spoof.packets, 14);
    assert.match(spoof.says, /Allow traffic from defined IP\/MAC pairs/);
    assert.ok(x.items.every((i) => i.owners.some((o) => o.id === vm2.id)));
  });

  it('flags a DHCP server still running for a network the host no longer serves as stale', async () => {
    const view = havanaExplainView();
    const stray = '/var/lib/quark/dhcp/0b7c4f8e-5a47-4d6b-9a2c-1f3e5d7c9b11';
    const x = await explainHost(
      {
        ...view,
        dnsmasqDirs: async () => [stray],
        dnsmasq: async (dir) => (dir === stray ? { pid: 4242, args: ['dnsmasq'] } : null),
      },
      null,
      ['l2', 'dhcp'],
    );
    const item = x.items.find((i) => i.section === 'process' && i.status === 'stale');
    assert.equal(item?.text, 'dnsmasq pid 4242 for network 0b7c4f8e-5a47-4d6b-9a2c-1f3e5d7c9b11');
    assert.deepEqual(item?.owners, [{ kind: 'network', id: '0b7c4f8e-5a47-4d6b-9a2c-1f3e5d7c9b11' }]);
  });

  it('reports a flow and a rule deleted by hand as missing, a flow added by hand as extra', async () => {
    const view = havanaExplainView({
      flows: (bridge, flows) =>
        bridge !== 'br-tun'
          ? flows
          : [
              ...flows.filter((f) => !(f.table === 3 && f.text.includes('tun_id=0x2'))),
              {
                cookie: 0n,
                table: 0,
                priority: 100,
                packets: 0,
                bytes: 0,
                text: 'cookie=0x0, table=0, n_packets=0, n_bytes=0, priority=100,ip actions=drop',
              },
            ],
      iptables: (text) =>
        text
          .split('\n')
          .filter((l) => !l.includes('rule 9183198e'))
          .join('\n'),
    });
    const x = await explainHost(view, null, ['l2']);
    const d = drift(x.items).map((i) => [i.status, i.section, i.owners.map((o) => o.kind).join(',')]);
    assert.deepEqual(d, [
      ['extra', 'flow', ''],
      ['missing', 'flow', 'network'],
      ['missing', 'iptables', 'security_group,security_group_rule'],
    ]);
  });
});

describe('canonicalActions', () => {
  it('reads the plan’s OpenFlow 1.0 spellings as OVS prints them at 1.4', () => {
    assert.equal(
      canonicalActions('mod_vlan_vid:2,resubmit(,10)', 'tun_id=0x2'),
      'push_vlan:0x8100,set_field:4098->vlan_vid,resubmit(,10)',
    );
    assert.equal(canonicalActions('mod_vlan_vid:101,NORMAL', 'in_port=phy-br-ex,dl_vlan=3'), 'set_field:4197->vlan_vid,NORMAL');
    assert.equal(
      canonicalActions('strip_vlan,set_tunnel:0x2,output:gre-c612010b', 'dl_vlan=2'),
      canonicalActions('pop_vlan,set_field:0x2->tun_id,output:"gre-c612010b"', 'dl_vlan=2'),
    );
  });
});
