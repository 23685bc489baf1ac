/**
 * Router advertisements for a router's IPv6 subnets, as Neutron's L3 agent has radvd send them
 * (neutron/agent/linux/ra.py): one radvd per router in its qrouter namespace, with one
 * `interface` section per qr- device that holds an IPv6 subnet:
 *
 *   slaac             prefix with AdvAutonomous on: instances make their EUI-64 address
 *   dhcpv6-stateless  the same, and AdvOtherConfigFlag: other settings come from DHCPv6
 *   dhcpv6-stateful   prefix with AdvAutonomous off, and AdvManagedFlag: the address comes
 *                     from DHCPv6 (dnsmasq in qdhcp)
 *   no ra mode        no prefix: the router is advertised as default router only
 *
 * plus the link MTU (when at least IPv6's 1280) and, for SLAAC subnets, their DNS servers
 * (RDNSS, at most 3). A router without IPv6 interfaces gets no radvd. The configuration is
 * re-read on SIGHUP, so a subnet added to the router changes no process.
 */
import { qrDevice, radvdStateDir } from '../../../model/names.js';
import type { Subnet } from '../../../model/resources.js';
import { DEFAULT_RA_SETTINGS, type HostSettings } from '../inputs.js';
import type { DaemonItem } from '../plan.js';
import type { RouterPort, RouterView } from './router-view.js';

const IPV6_MIN_MTU = 1280;
const MAX_RDNSS_ENTRIES = 3;

function v6Subnets(p: RouterPort): Subnet[] {
  const seen = new Set<string>();
  const out: Subnet[] = [];
  for (const a of p.addresses) {
    if (a.subnet.ip_version !== 6 || seen.has(a.subnet.id)) continue;
    seen.add(a.subnet.id);
    out.push(a.subnet);
  }
  return out;
}

function prefix(cidr: string, autonomous: boolean): string[] {
  return [`   prefix ${cidr}`, '   {', '        AdvOnLink on;', `        AdvAutonomous ${autonomous ? 'on' : 'off'};`, '   };'];
}

/** The `interface` section of one qr- device, or none when it holds no IPv6 subnet. */
export function radvdInterface(p: RouterPort, settings: HostSettings): string[] {
  const subnets = v6Subnets(p);
  if (subnets.length === 0) return [];
  const ra = settings.ra ?? DEFAULT_RA_SETTINGS;
  const modes = new Set(subnets.map((s) => s.ipv6_ra_mode));
  const dns = subnets.filter((s) => s.ipv6_ra_mode === 'slaac').flatMap((s) => s.dns_nameservers);
  const lines = [
    `interface ${qrDevice(p.port.id)}`,
    '{',
    '   AdvSendAdvert on;',
    `   MinRtrAdvInterval ${ra.minInterval};`,
    `   MaxRtrAdvInterval ${ra.maxInterval};`,
  ];
  if (p.network.mtu >= IPV6_MIN_MTU) lines.push(`   AdvLinkMTU ${p.network.mtu};`);
  if (modes.has('dhcpv6-stateless')) lines.push('   AdvOtherConfigFlag on;');
  if (modes.has('dhcpv6-stateful')) lines.push('   AdvManagedFlag on;');
  if (dns.length > 0) lines.push(`   RDNSS ${dns.slice(0, MAX_RDNSS_ENTRIES).join(' ')} {};`);
  for (const s of subnets)
    if (s.ipv6_ra_mode === 'slaac' || s.ipv6_ra_mode === 'dhcpv6-stateless') lines.push(...prefix(s.cidr, true));
  for (const s of subnets) if (s.ipv6_ra_mode === 'dhcpv6-stateful') lines.push(...prefix(s.cidr, false));
  lines.push('};');
  return lines;
}

/** The router's radvd, or null when none of its interfaces has an IPv6 subnet. */
export function radvdItem(view: RouterView, netns: string, settings: HostSettings): DaemonItem | null {
  const sections = view.interfaces.map((p) => radvdInterface(p, settings)).filter((s) => s.length > 0);
  if (sections.length === 0) return null;
  const dir = radvdStateDir(settings.stateDir, view.router.id);
  return {
    kind: 'daemon',
    service: 'radvd',
    netns,
    dir,
    // radvd daemonizes and writes its pid; with a log file it closes stderr, so starting it returns.
    argv: ['radvd', '-C', `${dir}/radvd.conf`, '-p', `${dir}/pid`, '-m', 'logfile', '-l', `${dir}/radvd.log`],
    files: { 'radvd.conf': `${sections.map((s) => s.join('\n')).join('\n')}\n` },
    onChange: 'reload',
    origin: { kind: 'router', id: view.router.id },
  };
}
