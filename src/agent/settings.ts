/**
 * Turns the agent's configuration into the host settings the compiler reads, deciding the
 * datapath: OVS's kernel datapath when the openvswitch module is present, the userspace one
 * otherwise (DESIGN.md §3). A Linux bridge host terminates VXLAN only (GRE needs Open vSwitch)
 * and filters with the `iptables` driver on its bridges; a configuration that asks otherwise
 * is refused at start with the reason.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FirewallDriverName, HostSettings } from '../dataplane/compile/inputs.js';
import type { DatapathType } from '../dataplane/compile/plan.js';
import { QuarkError } from '../model/errors.js';
import type { AgentConfig } from './config.js';

export function detectDatapath(): DatapathType {
  return existsSync('/sys/module/openvswitch') ? 'system' : 'netdev';
}

export function parseBridgeMappings(specs: readonly string[], what = 'bridge'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const [physnet, bridge] = spec.split(':');
    if (!physnet || !bridge) throw new QuarkError('InvalidConfig', `${what} mapping '${spec}' is not physnet:${what}`);
    out[physnet] = bridge;
  }
  return out;
}

/** The firewall driver: the mechanism's own for `auto`; the hybrid plug's driver only where there is a hybrid plug. */
function firewallDriverOf(config: AgentConfig): FirewallDriverName {
  const lb = config.mechanism === 'linuxbridge';
  if (config.firewallDriver === 'auto') return lb ? 'iptables' : 'iptables_hybrid';
  if (lb && config.firewallDriver === 'iptables_hybrid')
    throw new QuarkError(
      'InvalidConfig',
      "firewall driver 'iptables_hybrid' needs Open vSwitch's hybrid plug; a Linux bridge host uses 'iptables'",
    );
  if (!lb && config.firewallDriver === 'iptables')
    throw new QuarkError(
      'InvalidConfig',
      "firewall driver 'iptables' filters on Linux bridges; an Open vSwitch host uses 'iptables_hybrid'",
    );
  return config.firewallDriver;
}

function tunnelTypesOf(config: AgentConfig): HostSettings['tunnelTypes'] {
  if (!config.tunnelIp) return [];
  if (config.mechanism === 'linuxbridge' && config.tunnelTypes.includes('gre'))
    throw new QuarkError(
      'InvalidConfig',
      'a Linux bridge host cannot terminate GRE tunnels (GRE needs Open vSwitch); use --tunnel-types vxlan',
    );
  return config.tunnelTypes;
}

export function hostSettings(config: AgentConfig): HostSettings {
  const lb = config.mechanism === 'linuxbridge';
  // A Linux bridge host has no Open vSwitch datapath; 'system' names the kernel's bridge.
  const datapathType = lb ? 'system' : config.datapath === 'auto' ? detectDatapath() : config.datapath;
  return {
    host: config.host || hostname(),
    roles: config.roles,
    stateDir: config.stateDir,
    datapathType,
    tunnelIp: config.tunnelIp || null,
    tunnelTypes: tunnelTypesOf(config),
    bridgeMappings: lb ? {} : parseBridgeMappings(config.bridgeMappings),
    underlay:
      !lb && datapathType === 'netdev' && config.underlayInterface
        ? { bridge: config.underlayBridge, interface: config.underlayInterface }
        : null,
    dhcp: { leaseSeconds: config.dhcpLeaseDuration, domain: config.dnsDomain, dnsServers: config.dnsmasqDnsServers },
    firewallDriver: firewallDriverOf(config),
    mechanism: config.mechanism,
    afxdp: config.afxdp,
    ...(lb ? { interfaceMappings: parseBridgeMappings(config.physicalInterfaceMappings, 'interface') } : {}),
  };
}
