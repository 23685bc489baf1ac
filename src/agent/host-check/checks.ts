/**
 * `quark host check`, the judging half: from the agent's settings and what facts.ts and
 * server-reach.ts read, one line per thing a host needs, each problem with its fix. Pure, so
 * every rule is unit-tested with made-up hosts.
 */
import type { AgentConfig } from '../config.js';
import type { HostFacts, Tool } from './facts.js';
import type { ServerReach } from './server-reach.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface Check {
  readonly status: CheckStatus;
  /** What was checked and found, in one line. */
  readonly says: string;
  /** How to fix it, for warn and fail. */
  readonly fix?: string;
}

/** Which Debian package has each tool. */
const PACKAGE: Readonly<Record<Tool, string>> = {
  iptables: 'iptables',
  ip6tables: 'iptables',
  ipset: 'ipset',
  conntrack: 'conntrack',
  dnsmasq: 'dnsmasq-base',
  arping: 'iputils-arping',
  ethtool: 'ethtool',
  radvd: 'radvd',
  haproxy: 'haproxy',
  tcpdump: 'tcpdump',
  keepalived: 'keepalived',
};

/** Clock differences that tokens and heartbeats tolerate; beyond, agents look dead or tokens expired. */
const SKEW_WARN_S = 5;
const SKEW_FAIL_S = 60;

const ok = (says: string): Check => ({ status: 'ok', says });
const info = (says: string): Check => ({ status: 'info', says });
const warn = (says: string, fix: string): Check => ({ status: 'warn', says, fix });
const fail = (says: string, fix: string): Check => ({ status: 'fail', says, fix });

export interface CheckInput {
  readonly config: AgentConfig;
  /** The name the agent reports as (config.host or the hostname). */
  readonly host: string;
  readonly facts: HostFacts;
  readonly server: ServerReach | null;
}

/** The datapath the agent will use: the configured one, or what `auto` picks on this host. */
export function datapathOf(config: AgentConfig, facts: HostFacts): 'system' | 'netdev' {
  if (config.datapath !== 'auto') return config.datapath;
  return facts.modules.openvswitch === 'loaded' ? 'system' : 'netdev';
}

function openVswitch(input: CheckInput, datapath: 'system' | 'netdev'): Check[] {
  const { facts } = input;
  const out: Check[] = [];
  const o = facts.ovsdb;
  if (o.error) {
    return [
      fail(
        `Open vSwitch: cannot reach ovsdb-server at ${o.socket} (${o.error})`,
        `start it and keep it enabled: systemctl enable --now openvswitch-switch (Debian package openvswitch-switch)${input.config.ovsRundir ? '' : '; or set ovsRundir if OVS runs elsewhere'}`,
      ),
    ];
  }
  if (facts.vswitchd.error)
    out.push(
      fail(
        `Open vSwitch: ovs-vswitchd does not answer (${facts.vswitchd.error.split('\n')[0]})`,
        'systemctl restart openvswitch-switch, then journalctl -u ovs-vswitchd',
      ),
    );
  else {
    // Debian's ovs-ctl records ovs_version in OVSDB; an OVS started otherwise has only the daemon's own answer.
    const version = o.system?.ovsVersion ?? /\d+\.\d+\.\d+/.exec(facts.vswitchd.version ?? '')?.[0] ?? '(version unknown)';
    out.push(ok(`Open vSwitch ${version}: ovsdb-server at ${o.socket} and ovs-vswitchd answer`));
  }
  const types = o.system?.datapathTypes ?? [];
  if (datapath === 'system') {
    if (facts.modules.openvswitch !== 'loaded')
      out.push(
        fail(
          'datapath system: the openvswitch kernel module is not loaded',
          "modprobe openvswitch (and add it to /etc/modules-load.d/), or set datapath to 'auto' or 'netdev'",
        ),
      );
    else out.push(ok('datapath system: the openvswitch kernel module is loaded (the fast path)'));
  } else {
    const why =
      facts.modules.openvswitch === 'loaded'
        ? 'as configured'
        : `no openvswitch kernel module${facts.modules.openvswitch === 'available' ? ' loaded (modprobe openvswitch would give the faster kernel datapath)' : ' in this kernel'}`;
    out.push(info(`datapath netdev (OVS userspace): ${why}; slower than the kernel's, see BENCHMARKS.md`));
  }
  if (types.length > 0 && !types.includes(datapath))
    out.push(fail(`ovs-vswitchd offers the datapaths ${types.join(', ')}, not ${datapath}`, 'set datapath to one it offers'));
  return out;
}

function tunnels(input: CheckInput, datapath: 'system' | 'netdev'): Check[] {
  const { config, facts } = input;
  if (!config.roles.includes('l2')) return [];
  if (!config.tunnelIp)
    return [
      warn(
        'no tunnelIp: this host terminates no GRE/VXLAN tunnels, so project networks do not reach it',
        "set tunnelIp to this host's address on the tunnel network (unless it only carries provider networks)",
      ),
    ];
  const out: Check[] = [];
  const holder = facts.addresses.find((a) => a.ip === config.tunnelIp);
  const own = facts.addresses.filter((a) => a.ifname !== 'lo').map((a) => `${a.ip} (${a.ifname})`);
  if (!holder)
    out.push(
      fail(
        `tunnel address ${config.tunnelIp} is on no interface of this host`,
        `add it to the interface of the tunnel network (ip addr add ${config.tunnelIp}/24 dev eth1, and in /etc/network/interfaces), or set tunnelIp to one of: ${own.join(', ') || 'none'}`,
      ),
    );
  else out.push(ok(`tunnel address ${config.tunnelIp} is on ${holder.ifname}`));
  if (datapath === 'netdev') {
    const bridge = config.underlayBridge;
    if (!config.underlayInterface) {
      const nic = holder && holder.ifname !== bridge ? holder.ifname : 'the interface that holds it';
      out.push(
        fail(
          'userspace datapath with tunnels, but no underlayInterface: OVS sends tunnel packets only from a bridge that owns the tunnel address',
          `set underlayInterface to ${nic}; the agent moves the address onto ${bridge}`,
        ),
      );
    } else if (!facts.links.includes(config.underlayInterface)) {
      out.push(
        fail(
          `underlayInterface ${config.underlayInterface} does not exist`,
          `set it to the interface that holds ${config.tunnelIp}`,
        ),
      );
    } else if (holder && holder.ifname !== config.underlayInterface && holder.ifname !== bridge) {
      out.push(
        fail(
          `tunnel address ${config.tunnelIp} is on ${holder.ifname}, not on underlayInterface ${config.underlayInterface}`,
          `set underlayInterface to ${holder.ifname}`,
        ),
      );
    }
  }
  const offered = facts.ovsdb.system?.ifaceTypes ?? [];
  for (const type of config.tunnelTypes) {
    const module = type === 'gre' ? 'ip_gre' : 'vxlan';
    if (offered.length > 0 && !offered.includes(type))
      out.push(fail(`ovs-vswitchd has no ${type} interfaces (it offers ${offered.join(', ')})`, `use another tunnel type`));
    else if (datapath === 'system' && facts.modules[module] === 'missing')
      out.push(
        fail(
          `${type} tunnels: the kernel has no ${module} module, which OVS's kernel datapath needs`,
          `install the kernel's modules package (linux-image-…), or use ${type === 'gre' ? 'vxlan' : 'gre'}`,
        ),
      );
    else
      out.push(
        ok(
          `${type} tunnels: ${datapath === 'system' ? `kernel module ${module} ${facts.modules[module]}` : 'OVS userspace terminates them'}`,
        ),
      );
  }
  return out;
}

function bridgeMappings(input: CheckInput): Check[] {
  const out: Check[] = [];
  for (const spec of input.config.bridgeMappings) {
    const [physnet, name] = spec.split(':') as [string, string];
    const bridge = input.facts.ovsdb.bridges.find((b) => b.name === name);
    if (!bridge) {
      out.push(
        info(
          `${name} (physical network ${physnet}) is not there yet: the agent creates it; then add the physical interface (ovs-vsctl add-port ${name} IFACE)`,
        ),
      );
      continue;
    }
    const nics = bridge.ports.filter((p) => p !== name && !p.startsWith('phy-'));
    if (nics.length === 0)
      out.push(
        warn(
          `${name} (physical network ${physnet}) has no physical interface: traffic of ${physnet} goes nowhere`,
          `ovs-vsctl add-port ${name} IFACE (the interface cabled to ${physnet}, without an address)`,
        ),
      );
    else out.push(ok(`${name} carries physical network ${physnet} through ${nics.join(', ')}`));
  }
  return out;
}

/**
 * A Linux bridge host (mechanism linuxbridge): no Open vSwitch; VXLAN devices in the kernel and the
 * interfaces named by physicalInterfaceMappings. docs/linuxbridge.md.
 */
function linuxBridge(input: CheckInput): Check[] {
  const { config, facts } = input;
  if (!config.roles.includes('l2')) return [];
  const out: Check[] = [info('mechanism linuxbridge: no Open vSwitch needed (a Linux bridge per network)')];
  if (config.tunnelTypes.includes('gre'))
    out.push(
      fail(
        'tunnelTypes has gre: the Linux bridge agent carries VXLAN only',
        "set tunnelTypes to ['vxlan'] (networks of type gre need Open vSwitch hosts)",
      ),
    );
  if (!config.tunnelIp)
    out.push(
      warn(
        'no tunnelIp: this host terminates no VXLAN tunnels, so project networks do not reach it',
        "set tunnelIp to this host's address on the tunnel network (unless it only carries provider networks)",
      ),
    );
  else {
    const holder = facts.addresses.find((a) => a.ip === config.tunnelIp);
    if (!holder)
      out.push(
        fail(
          `tunnel address ${config.tunnelIp} is on no interface of this host`,
          `add it to the interface of the tunnel network, or set tunnelIp to one of: ${
            facts.addresses
              .filter((a) => a.ifname !== 'lo')
              .map((a) => `${a.ip} (${a.ifname})`)
              .join(', ') || 'none'
          }`,
        ),
      );
    else out.push(ok(`tunnel address ${config.tunnelIp} is on ${holder.ifname}`));
    if (facts.modules.vxlan === 'missing')
      out.push(fail('vxlan tunnels: the kernel has no vxlan module', "install the kernel's modules package (linux-image-…)"));
    else out.push(ok(`vxlan tunnels: kernel module vxlan ${facts.modules.vxlan}`));
  }
  for (const spec of config.physicalInterfaceMappings) {
    const [physnet, nic] = spec.split(':') as [string, string];
    if (facts.links.includes(nic)) out.push(ok(`${nic} carries physical network ${physnet}`));
    else
      out.push(
        fail(
          `physical network ${physnet}: interface ${nic} does not exist`,
          `set physicalInterfaceMappings to the interface cabled to ${physnet}`,
        ),
      );
  }
  return out;
}

function firewall(input: CheckInput): Check[] {
  const { config, facts } = input;
  if (!config.roles.includes('l2') || config.firewallDriver === 'noop') return [];
  const lb = config.firewallDriver === 'iptables' || (config.firewallDriver === 'auto' && config.mechanism === 'linuxbridge');
  if (facts.bridgeNetfilter)
    return [
      ok(
        `br_netfilter: bridged frames pass iptables (security groups filter on ${lb ? "the networks' brq bridges" : 'qbr bridges'})`,
      ),
    ];
  return [
    fail(
      'br_netfilter is not loaded: bridged frames bypass iptables, so security groups would not filter',
      'modprobe br_netfilter; echo br_netfilter > /etc/modules-load.d/quark.conf (the Debian package installs that file)',
    ),
  ];
}

function tools(input: CheckInput, datapath: 'system' | 'netdev'): Check[] {
  const { config, facts } = input;
  const roles = new Set(config.roles);
  const needed: [Tool, string][] = [
    ['iptables', 'security groups and NAT'],
    ['ip6tables', 'IPv6 security groups'],
    ['ipset', 'remote security groups'],
  ];
  if (roles.has('l3'))
    needed.push(['conntrack', 'flushing connections of moved floating IPs'], ['radvd', 'IPv6 router advertisements']);
  if (roles.has('dhcp')) needed.push(['dnsmasq', 'DHCP']);
  if (roles.has('l3') || roles.has('dhcp')) needed.push(['haproxy', 'the metadata proxy']);
  if (datapath === 'netdev' && config.mechanism !== 'linuxbridge')
    needed.push(
      ['arping', 'tunnel neighbours on the userspace datapath'],
      ['ethtool', 'checksum offload on the userspace datapath'],
    );
  const out: Check[] = [];
  for (const [tool, why] of needed) {
    const version = facts.tools[tool];
    if (version) out.push(ok(`${tool}: ${version}`));
    else out.push(fail(`${tool} is not installed (needed for ${why})`, `apt-get install ${PACKAGE[tool]}`));
  }
  if (facts.tools.iptables && !/nf_tables|legacy/.test(facts.tools.iptables))
    out.push(info('iptables backend unknown; Quark is tested with the nf_tables backend (Debian 12 default)'));
  if (roles.has('l2'))
    out.push(
      info(`tcpdump: ${facts.tools.tcpdump ?? 'not installed (apt-get install tcpdump)'} (only for security group logging)`),
    );
  out.push(info(`keepalived: ${facts.tools.keepalived ?? 'not installed'} (not used: Quark has no HA routers yet)`));
  return out;
}

function server(input: CheckInput): Check[] {
  const s = input.server;
  if (!s) return [];
  const out: Check[] = [];
  if (!s.ok) {
    const fix =
      s.stage === 'connect'
        ? 'check the server setting, that quark-server runs (systemctl status quark-server on the controller) and that 9696/tcp is open between the hosts'
        : 'check the credentials (username/password in agent.yaml, or QUARK_USERNAME/QUARK_PASSWORD in /etc/quark/agent.env; quark admin bootstrap creates the user)';
    out.push(fail(`server: ${s.problem}`, fix));
  } else {
    const mine = s.ownAgents.map((a) => `${a.type} ${a.alive ? 'alive' : 'DEAD'}`).join(', ');
    out.push(
      ok(
        `server ${s.url} answers${s.user ? `; ${s.user} logs in and may read the agents` : ' (no username: token or noauth)'}; agents of host ${input.host} there: ${mine || 'none yet'}`,
      ),
    );
  }
  if (s.skewSeconds !== null) {
    const skew = Math.abs(s.skewSeconds);
    const says = `clock: ${skew} s ${s.skewSeconds > 0 ? 'behind' : 'ahead of'} the server`;
    if (skew >= SKEW_FAIL_S)
      out.push(
        fail(says, 'synchronise the clocks (timedatectl set-ntp true, or chrony): tokens and heartbeats are judged by time'),
      );
    else if (skew >= SKEW_WARN_S) out.push(warn(says, 'synchronise the clocks (timedatectl set-ntp true, or chrony)'));
    else out.push(ok(`clock within ${SKEW_WARN_S} s of the server`));
  }
  return out;
}

export function hostChecks(input: CheckInput): Check[] {
  const { config, facts } = input;
  const datapath = datapathOf(config, facts);
  const out: Check[] = [
    info(`agent host name ${input.host} (ports bound to this host name its binding:host_id), roles ${config.roles.join(', ')}`),
  ];
  out.push(
    facts.root
      ? ok('running as root')
      : fail('not running as root: the agent needs root (namespaces, OVS, iptables), and so do these checks', 'run it as root'),
  );
  if (config.mechanism === 'linuxbridge') out.push(...linuxBridge(input), ...firewall(input));
  else out.push(...openVswitch(input, datapath), ...tunnels(input, datapath), ...bridgeMappings(input), ...firewall(input));
  if (config.roles.includes('l3'))
    out.push(
      info(
        "ip_forward: routers forward inside their qrouter namespaces, where the agent turns it on; the host's own setting does not matter",
      ),
    );
  out.push(...tools(input, datapath));
  if (facts.stateDir.problem)
    out.push(
      fail(
        `state directory ${facts.stateDir.path}: ${facts.stateDir.problem}`,
        'run as root, or set stateDir to a writable directory',
      ),
    );
  out.push(...server(input));
  return out;
}
