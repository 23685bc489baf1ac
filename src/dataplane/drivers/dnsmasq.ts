/**
 * dnsmasq processes, one per network served by this host, each in its qdhcp namespace.
 * (The DHCP role fills this in: files, start, SIGHUP reload, restart when dead, prune.)
 */
import type { DnsmasqItem } from '../compile/plan.js';

export interface DnsmasqOptions {
  /** Per-network directories live here (hosts, opts, leases, pid). */
  readonly stateDir: string;
  /** Stop dnsmasq processes of networks the plan no longer has. */
  readonly prune: boolean;
}

export async function applyDnsmasq(items: readonly DnsmasqItem[], _options: DnsmasqOptions): Promise<void> {
  if (items.length > 0) throw new Error('dnsmasq items are not supported yet');
}
