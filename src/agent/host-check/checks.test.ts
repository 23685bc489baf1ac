import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../model/config.js';
import { AgentConfigSchema } from '../config.js';
import { type Check, hostChecks } from './checks.js';
import type { HostFacts } from './facts.js';
import type { ServerReach } from './server-reach.js';

const healthy: HostFacts = {
  root: true,
  ovsdb: {
    socket: '/run/openvswitch/db.sock',
    error: null,
    system: {
      ovsVersion: '3.1.0',
      datapathTypes: ['netdev', 'system'],
      ifaceTypes: ['gre', 'internal', 'patch', 'system', 'vxlan'],
    },
    bridges: [{ name: 'br-ex', datapathType: 'system', ports: ['br-ex', 'eth2', 'phy-br-ex'] }],
  },
  vswitchd: { version: 'ovs-vswitchd (Open vSwitch) 3.1.0', error: null },
  modules: { openvswitch: 'loaded', br_netfilter: 'loaded', ip_gre: 'available', vxlan: 'loaded' },
  bridgeNetfilter: true,
  tools: {
    iptables: 'iptables v1.8.9 (nf_tables)',
    ip6tables: 'ip6tables v1.8.9 (nf_tables)',
    ipset: 'ipset v7.17',
    conntrack: 'conntrack v1.4.7',
    dnsmasq: 'Dnsmasq version 2.90',
    arping: 'arping from iputils 20221126',
    ethtool: 'ethtool version 6.1',
    radvd: 'Version: 2.19',
    haproxy: 'HAProxy version 2.6.12',
    tcpdump: 'tcpdump version 4.99.3',
    keepalived: null,
  },
  addresses: [
    { ifname: 'lo', ip: '127.0.0.1' },
    { ifname: 'eth0', ip: '192.0.2.11' },
    { ifname: 'eth1', ip: '198.51.100.11' },
  ],
  links: ['lo', 'eth0', 'eth1', 'eth2'],
  stateDir: { path: '/var/lib/quark/agent', problem: null },
};

const reached: ServerReach = {
  ok: true,
  url: 'http://192.0.2.10:9696',
  user: 'quark-agent',
  ownAgents: [{ type: 'Open vSwitch agent', alive: true }],
  skewSeconds: 0,
};

const config = (file: Record<string, unknown>) => loadConfig(AgentConfigSchema, { file });
const network = config({ roles: ['l2', 'dhcp', 'l3'], tunnelIp: '198.51.100.11', bridgeMappings: ['physnet1:br-ex'] });

function problems(checks: readonly Check[]): string[] {
  return checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `${c.status} ${c.says} | fix: ${c.fix}`);
}

describe('hostChecks', () => {
  it('finds nothing to fix on a healthy network node', () => {
    const checks = hostChecks({ config: network, host: 'network1', facts: healthy, server: reached });
    assert.deepEqual(problems(checks), []);
    assert.ok(checks.some((c) => c.says === 'tunnel address 198.51.100.11 is on eth1'));
    assert.ok(checks.some((c) => c.says.startsWith('br-ex carries physical network physnet1 through eth2')));
    assert.ok(checks.some((c) => /agents of host network1 there: Open vSwitch agent alive/.test(c.says)));
  });

  it('says how to start Open vSwitch when ovsdb-server does not answer', () => {
    const facts = { ...healthy, ovsdb: { ...healthy.ovsdb, error: 'connect ENOENT', system: null, bridges: [] } };
    const [p] = problems(hostChecks({ config: network, host: 'n', facts, server: null }));
    assert.match(
      p!,
      /^fail Open vSwitch: cannot reach ovsdb-server .* fix: start it and keep it enabled: systemctl enable --now openvswitch-switch/,
    );
  });

  it('names the interfaces of the host when the tunnel address is on none of them', () => {
    const c = config({ roles: ['l2'], tunnelIp: '198.51.100.99' });
    const found = problems(hostChecks({ config: c, host: 'c', facts: healthy, server: null }));
    assert.deepEqual(found, [
      'fail tunnel address 198.51.100.99 is on no interface of this host | fix: add it to the interface of the tunnel network (ip addr add 198.51.100.99/24 dev eth1, and in /etc/network/interfaces), or set tunnelIp to one of: 192.0.2.11 (eth0), 198.51.100.11 (eth1)',
    ]);
  });

  it('on the userspace datapath, asks for the underlay interface that holds the tunnel address', () => {
    const facts: HostFacts = { ...healthy, modules: { ...healthy.modules, openvswitch: 'missing' } };
    const c = config({ roles: ['l2'], tunnelIp: '198.51.100.11' });
    const checks = hostChecks({ config: c, host: 'c', facts, server: null });
    assert.ok(
      checks.some(
        (x) =>
          x.status === 'info' &&
          x.says.startsWith('datapath netdev (OVS userspace): no openvswitch kernel module in this kernel'),
      ),
    );
    assert.deepEqual(problems(checks), [
      'fail userspace datapath with tunnels, but no underlayInterface: OVS sends tunnel packets only from a bridge that owns the tunnel address | fix: set underlayInterface to eth1; the agent moves the address onto br-phy',
    ]);
  });

  it('flags a provider bridge without a physical interface, a missing tool, br_netfilter and a far clock', () => {
    const facts: HostFacts = {
      ...healthy,
      ovsdb: { ...healthy.ovsdb, bridges: [{ name: 'br-ex', datapathType: 'system', ports: ['br-ex', 'phy-br-ex'] }] },
      tools: { ...healthy.tools, dnsmasq: null },
      bridgeNetfilter: false,
    };
    const found = problems(hostChecks({ config: network, host: 'n', facts, server: { ...reached, skewSeconds: -90 } }));
    assert.equal(found.length, 4);
    assert.match(
      found[0]!,
      /^warn br-ex \(physical network physnet1\) has no physical interface.*fix: ovs-vsctl add-port br-ex IFACE/,
    );
    assert.match(found[1]!, /^fail br_netfilter is not loaded.*fix: modprobe br_netfilter/);
    assert.match(found[2]!, /^fail dnsmasq is not installed \(needed for DHCP\) \| fix: apt-get install dnsmasq-base$/);
    assert.match(found[3]!, /^fail clock: 90 s ahead of the server/);
  });

  it('on a Linux bridge host, judges VXLAN, the mapped interfaces and br_netfilter, not Open vSwitch', () => {
    const facts: HostFacts = {
      ...healthy,
      ovsdb: { ...healthy.ovsdb, error: 'not used (mechanism linuxbridge)', system: null, bridges: [] },
      vswitchd: { version: null, error: 'not used (mechanism linuxbridge)' },
      modules: { ...healthy.modules, openvswitch: 'missing' },
    };
    const c = config({
      roles: ['l2'],
      mechanism: 'linuxbridge',
      tunnelIp: '198.51.100.11',
      tunnelTypes: ['vxlan'],
      physicalInterfaceMappings: ['physnet1:eth2', 'physnet2:eth9'],
    });
    const checks = hostChecks({ config: c, host: 'c', facts, server: null });
    assert.ok(!checks.some((x) => /ovsdb|ovs-vswitchd|datapath|arping/.test(x.says)));
    assert.ok(checks.some((x) => x.status === 'ok' && x.says === 'vxlan tunnels: kernel module vxlan loaded'));
    assert.ok(checks.some((x) => x.status === 'ok' && x.says === 'eth2 carries physical network physnet1'));
    assert.ok(checks.some((x) => x.status === 'ok' && /brq bridges/.test(x.says)));
    assert.deepEqual(problems(checks), [
      'fail physical network physnet2: interface eth9 does not exist | fix: set physicalInterfaceMappings to the interface cabled to physnet2',
    ]);
    const gre = config({ roles: ['l2'], mechanism: 'linuxbridge', tunnelIp: '198.51.100.11', tunnelTypes: ['gre'] });
    assert.match(problems(hostChecks({ config: gre, host: 'c', facts, server: null }))[0]!, /^fail tunnelTypes has gre/);
  });

  it('reports a server that refuses the credentials with what to check', () => {
    const server: ServerReach = {
      ok: false,
      url: 'http://c:9696',
      stage: 'login',
      problem: 'the server refused',
      skewSeconds: 1,
    };
    const found = problems(hostChecks({ config: network, host: 'n', facts: healthy, server }));
    assert.deepEqual(found, [
      'fail server: the server refused | fix: check the credentials (username/password in agent.yaml, or QUARK_USERNAME/QUARK_PASSWORD in /etc/quark/agent.env; quark admin bootstrap creates the user)',
    ]);
  });
});
