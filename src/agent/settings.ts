/**
 * Turns the agent's configuration into the host settings the compiler reads, deciding the
 * datapath: OVS's kernel datapath when the openvswitch module is present, the userspace one
 * otherwise (DESIGN.md §3). Settings that cannot work together, or not on this host, stop the
 * agent here with the setting, where it came from and what would work. A Linux bridge host
 * terminates VXLAN only (GRE needs Open vSwitch) and filters with the `iptables` driver on its
 * bridges.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FirewallDriverName, HostSettings } from '../dataplane/compile/inputs.js';
import type { DatapathType } from '../dataplane/compile/plan.js';
import { configError } from '../model/config.js';
import { QuarkError } from '../model/errors.js';
import { parseIp } from '../model/ip/address.js';
import { INTEGRATION_BRIDGE, MAX_DEVICE_NAME, TUNNEL_BRIDGE } from '../model/names.js';
import type { AgentConfig } from './config.js';

export const OVS_KERNEL_MODULE = '/sys/module/openvswitch';

export function detectDatapath(): DatapathType {
  return existsSync(OVS_KERNEL_MODULE) ? 'system' : 'netdev';
}

/** Why `ip` cannot be a tunnel endpoint, or null when it can (an IPv4 unicast address). */
export function tunnelIpProblem(ip: string): string | null {
  const parsed = parseIp(ip);
  if (!parsed) return 'must be an IPv4 address of this host on the tunnel network (e.g. 192.0.2.21), or empty for no tunnels';
  if (parsed.version === 6) return 'must be an IPv4 address: tunnel ports are named after IPv4 endpoints (gre-c0000215)';
  const first = Number(parsed.value >> 24n);
  if (parsed.value === 0n || parsed.value === 0xffffffffn)
    return 'must be a unicast address of this host, not 0.0.0.0 or 255.255.255.255';
  if (first === 127) return 'must be an address other hosts reach, not a loopback address';
  if (first >= 224) return 'must be a unicast address, not a multicast or reserved one';
  return null;
}

/** Checks the settings against each other (not against the host): throws the first problem. */
export function validateAgentConfig(config: AgentConfig): void {
  const roles = new Set(config.roles);
  const needL2 = config.roles.filter((r) => r !== 'l2');
  if (needL2.length > 0 && !roles.has('l2'))
    throw configError(
      config,
      'roles',
      config.roles,
      `the ${needL2.join(' and ')} role${needL2.length > 1 ? 's need' : ' needs'} l2 on the same host: their ports are plugged into br-int, which the l2 role wires (use ${['l2', ...needL2].join(',')})`,
    );
  if (config.tunnelIp) {
    const problem = tunnelIpProblem(config.tunnelIp);
    if (problem) throw configError(config, 'tunnelIp', config.tunnelIp, problem);
  }
  const physnets = new Set<string>();
  const bridges = new Set<string>();
  for (const spec of config.bridgeMappings) {
    const [physnet, bridge] = spec.split(':') as [string, string];
    const problem =
      bridge === INTEGRATION_BRIDGE || bridge === TUNNEL_BRIDGE
        ? `${bridge} is the agent's own bridge; map the physical network to a bridge of its own (e.g. br-ex)`
        : bridge.length > MAX_DEVICE_NAME
          ? `bridge ${bridge} is longer than ${MAX_DEVICE_NAME} characters, the limit of Linux device names`
          : physnets.has(physnet)
            ? `physical network ${physnet} is mapped twice`
            : bridges.has(bridge)
              ? `bridge ${bridge} carries two physical networks; each needs a bridge of its own`
              : null;
    if (problem) throw configError(config, 'bridgeMappings', config.bridgeMappings, problem);
    physnets.add(physnet);
    bridges.add(bridge);
  }
  if (!/^https?:\/\/[^/?#]+/.test(config.server))
    throw configError(
      config,
      'server',
      config.server,
      'must be the http:// or https:// URL of the Quark server (e.g. http://192.0.2.10:9696)',
    );
  const lb = config.mechanism === 'linuxbridge';
  if (lb && config.tunnelIp && config.tunnelTypes.includes('gre'))
    throw configError(
      config,
      'tunnelTypes',
      config.tunnelTypes,
      'a Linux bridge host cannot terminate GRE tunnels (GRE needs Open vSwitch); use vxlan',
    );
  if (lb && config.firewallDriver === 'iptables_hybrid')
    throw configError(
      config,
      'firewallDriver',
      config.firewallDriver,
      "needs Open vSwitch's hybrid plug; a Linux bridge host filters with 'iptables' (or 'auto')",
    );
  if (!lb && config.firewallDriver === 'iptables')
    throw configError(
      config,
      'firewallDriver',
      config.firewallDriver,
      "filters on Linux bridges; an Open vSwitch host uses 'iptables_hybrid' (or 'auto')",
    );
  if (!lb && config.datapath === 'system' && !existsSync(OVS_KERNEL_MODULE))
    throw configError(
      config,
      'datapath',
      config.datapath,
      "needs the openvswitch kernel module, which is not loaded (modprobe openvswitch), or use 'netdev' (userspace) or 'auto'",
    );
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

/** The firewall driver: the mechanism's own for `auto` (the others were checked above). */
function firewallDriverOf(config: AgentConfig): FirewallDriverName {
  if (config.firewallDriver !== 'auto') return config.firewallDriver;
  return config.mechanism === 'linuxbridge' ? 'iptables' : 'iptables_hybrid';
}

/** The metadata agent's socket, which the namespace proxies connect to (Neutron's `$state_path/metadata_proxy`). */
export const metadataProxySocket = (stateDir: string): string => `${stateDir.replace(/\/+$/, '')}/metadata_proxy`;

/** Whether this host runs the metadata agent: its routers or its isolated networks have proxies that need it. */
export function runsMetadataAgent(config: AgentConfig): boolean {
  const roles = new Set(config.roles);
  return (
    (roles.has('l3') && config.enableMetadataProxy) ||
    (roles.has('dhcp') && (config.enableIsolatedMetadata || config.forceMetadata))
  );
}

export function hostSettings(config: AgentConfig): HostSettings {
  validateAgentConfig(config);
  const lb = config.mechanism === 'linuxbridge';
  // A Linux bridge host has no Open vSwitch datapath; 'system' names the kernel's bridge.
  const datapathType = lb ? 'system' : config.datapath === 'auto' ? detectDatapath() : config.datapath;
  return {
    host: config.host || hostname(),
    roles: config.roles,
    stateDir: config.stateDir,
    datapathType,
    tunnelIp: config.tunnelIp || null,
    tunnelTypes: config.tunnelIp ? config.tunnelTypes : [],
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
    ra: { minInterval: config.minRtrAdvInterval, maxInterval: config.maxRtrAdvInterval },
    metadata: {
      enabled: config.enableMetadataProxy,
      socket: metadataProxySocket(config.stateDir),
      port: config.metadataPort,
      enableIsolatedMetadata: config.enableIsolatedMetadata,
      forceMetadata: config.forceMetadata,
    },
    securityGroupLog: {
      nflogGroup: config.networkLogNflogGroup,
      rateLimit: config.networkLogRateLimit,
      burstLimit: config.networkLogBurstLimit,
    },
  };
}
