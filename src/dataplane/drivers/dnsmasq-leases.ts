/**
 * dnsmasq's lease file and releasing leases that no reservation backs any more. dnsmasq will
 * not offer a reserved address that is still leased to another client, so when a port goes
 * away (or changes MAC or address) its lease must go too, as Neutron does it:
 *
 *   ip netns exec qdhcp-… dhcp_release ns-… 10.0.0.5 fa:16:3e:… [client-id]
 *   ip netns exec qdhcp-… dhcp_release6 --iface ns-… --ip 2001:db8::5 --client-id … --server-id … --iaid …
 *
 * (Debian's dnsmasq-utils.) A failed release is not fatal: the lease then lasts until it expires.
 */
import { inNetns, run } from './exec.js';

export interface Lease {
  readonly family: 4 | 6;
  readonly ip: string;
  /** IPv4: the client's MAC; IPv6: its IAID. */
  readonly hwOrIaid: string;
  /** The client id, or '*' when the client sent none. */
  readonly clientId: string;
  /** IPv6 only: dnsmasq's own DUID (the `duid` line). */
  readonly serverDuid: string | null;
}

/**
 * Parses a lease file: IPv4 lines `<expiry> <mac> <ip> <hostname> <client-id>`, then after a
 * `duid <server duid>` line IPv6 lines `<expiry> <iaid> <ip> <hostname> <client duid>`.
 */
export function parseLeases(text: string): Lease[] {
  const out: Lease[] = [];
  let serverDuid: string | null = null;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'duid') {
      serverDuid = f[1] ?? null;
      continue;
    }
    if (f.length < 5) continue;
    const family = serverDuid === null ? 4 : 6;
    out.push({ family, ip: f[2]!, hwOrIaid: f[1]!, clientId: f[4]!, serverDuid });
  }
  return out;
}

/**
 * Reservations of a hosts file: `mac,name,ip[,set:tag]` (IPv6 in brackets) as `ip mac` keys and
 * the IPs.
 */
function reservations(hostsFile: string): { pairs: Set<string>; ips: Set<string> } {
  const pairs = new Set<string>();
  const ips = new Set<string>();
  for (const line of hostsFile.split('\n')) {
    const f = line.split(',').filter((field) => !field.startsWith('set:'));
    if (f.length < 3) continue;
    const ip = f.at(-1)!.replace(/^\[|\]$/g, '');
    pairs.add(`${ip} ${f[0]!.toLowerCase()}`);
    ips.add(ip);
  }
  return { pairs, ips };
}

/**
 * Leases no reservation backs: IPv4 by (address, MAC); IPv6 leases carry a DUID rather than a
 * MAC, so by address alone.
 */
export function staleLeases(leases: readonly Lease[], hostsFile: string): Lease[] {
  const { pairs, ips } = reservations(hostsFile);
  return leases.filter((l) => (l.family === 4 ? !pairs.has(`${l.ip} ${l.hwOrIaid.toLowerCase()}`) : !ips.has(l.ip)));
}

function releaseArgv(device: string, lease: Lease): string[] {
  if (lease.family === 4) {
    return ['dhcp_release', device, lease.ip, lease.hwOrIaid, ...(lease.clientId === '*' ? [] : [lease.clientId])];
  }
  return [
    'dhcp_release6',
    '--iface',
    device,
    '--ip',
    lease.ip,
    '--client-id',
    lease.clientId,
    '--server-id',
    lease.serverDuid ?? '',
    '--iaid',
    lease.hwOrIaid,
  ];
}

/** Asks the dnsmasq serving `device` to drop these leases; returns how many requests went out. */
export async function releaseLeases(netns: string, device: string, leases: readonly Lease[]): Promise<number> {
  let sent = 0;
  for (const lease of leases) {
    try {
      await run(inNetns(netns, releaseArgv(device, lease)), { timeoutMs: 5000 });
      sent++;
    } catch {
      // dnsmasq-utils missing or dnsmasq gone: the lease expires by itself
    }
  }
  return sent;
}
