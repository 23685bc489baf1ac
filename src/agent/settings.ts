/**
 * Turns the agent's configuration into the host settings the compiler reads, deciding the
 * datapath: OVS's kernel datapath when the openvswitch module is present, the userspace one
 * otherwise (DESIGN.md §3).
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { HostSettings } from '../dataplane/compile/inputs.js';
import type { DatapathType } from '../dataplane/compile/plan.js';
import { QuarkError } from '../model/errors.js';
import type { AgentConfig } from './config.js';

export function detectDatapath(): DatapathType {
  return existsSync('/sys/module/openvswitch') ? 'system' : 'netdev';
}

export function parseBridgeMappings(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const [physnet, bridge] = spec.split(':');
    if (!physnet || !bridge) throw new QuarkError('InvalidConfig', `bridge mapping '${spec}' is not physnet:bridge`);
    out[physnet] = bridge;
  }
  return out;
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
  const datapathType = config.datapath === 'auto' ? detectDatapath() : config.datapath;
  return {
    host: config.host || hostname(),
    roles: config.roles,
    stateDir: config.stateDir,
    datapathType,
    tunnelIp: config.tunnelIp || null,
    tunnelTypes: config.tunnelIp ? config.tunnelTypes : [],
    bridgeMappings: parseBridgeMappings(config.bridgeMappings),
    underlay:
      datapathType === 'netdev' && config.underlayInterface
        ? { bridge: config.underlayBridge, interface: config.underlayInterface }
        : null,
    dhcp: { leaseSeconds: config.dhcpLeaseDuration, domain: config.dnsDomain, dnsServers: config.dnsmasqDnsServers },
    firewallDriver: config.firewallDriver,
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
