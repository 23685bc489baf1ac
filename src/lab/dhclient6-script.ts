/**
 * The DHCPv6 client of lab instances: ISC dhclient in IPv6 mode, with a small script that
 * configures what the lease gave the way a cloud image's client would, and records it, so tests
 * and `quark lab` can show exactly what was handed out. Stateful (an address, `dhclient -6`) or
 * stateless (only options such as DNS servers, `dhclient -6 -S`); the on-link prefix and the
 * default route come from the router's advertisements, not from DHCPv6.
 *
 *   ip netns exec vm2 dhclient -6 -1 -v -lf /…/vm2.leases6 -pf /…/vm2.dhclient6.pid \
 *       -sf /…/dhclient6-hook.sh eth0
 *
 * dhclient forks into the background once it has a lease; the caller stops that process by its
 * pid file. The script prints one line `lease6 ip=2001:db8:2::5/128 dns=… domain=…` and writes
 * `key=value` lines to QUARK_LEASE_FILE when set (`dhclient -e QUARK_LEASE_FILE=…`). Instances share the node's /etc, so nothing
 * goes to /etc/resolv.conf.
 */
import { chmodSync, writeFileSync } from 'node:fs';

const HOOK = `#!/bin/sh
# dhclient -6 hook of Quark's lab instances (written by src/lab/dhclient6-script.ts).
dev="$interface"
case "$reason" in
  PREINIT6)
    ip link set dev "$dev" up
    # A DHCPv6 client sends from its link-local address, which must have passed DAD.
    for i in $(seq 1 50); do
      [ -z "$(ip -6 addr show dev "$dev" scope link tentative)" ] && break
      sleep 0.1
    done
    ;;
  BOUND6|RENEW6|REBIND6|REBOOT6|INFORM6)
    if [ -n "$new_ip6_address" ]; then
      ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$dev" nodad
    fi
    echo "lease6 ip=\${new_ip6_address:+$new_ip6_address/$new_ip6_prefixlen} dns=$new_dhcp6_name_servers domain=$new_dhcp6_domain_search"
    if [ -n "$QUARK_LEASE_FILE" ]; then
      {
        echo "ip=$new_ip6_address"
        echo "prefixlen=$new_ip6_prefixlen"
        echo "dns=$new_dhcp6_name_servers"
        echo "domain=$new_dhcp6_domain_search"
        echo "reason=$reason"
      } > "$QUARK_LEASE_FILE.tmp" && mv "$QUARK_LEASE_FILE.tmp" "$QUARK_LEASE_FILE"
    fi
    ;;
esac
exit 0
`;

/** Writes the script to `path` (executable) and returns the path. */
export function writeDhclient6Hook(path: string): string {
  writeFileSync(path, HOOK);
  chmodSync(path, 0o755);
  return path;
}

export interface Dhclient6Options {
  readonly hook: string;
  /** dhclient's lease database and pid file (per instance). */
  readonly leases: string;
  readonly pidFile: string;
  /** Where the hook records what it got (none: it only prints the lease line). */
  readonly leaseFile?: string;
  /** Only options (information-request), no address: for dhcpv6-stateless subnets. */
  readonly stateless?: boolean;
  readonly interface?: string;
}

/** argv of one dhclient -6 run in the instance's namespace: try once, exit non-zero without an answer. */
export function dhclient6Argv(o: Dhclient6Options): string[] {
  return [
    'dhclient',
    '-6',
    // dhclient runs its script with an environment of its own making: -e adds to it.
    ...(o.leaseFile ? ['-e', `QUARK_LEASE_FILE=${o.leaseFile}`] : []),
    ...(o.stateless ? ['-S'] : []),
    '-1',
    '-v',
    '-lf',
    o.leases,
    '-pf',
    o.pidFile,
    '-sf',
    o.hook,
    o.interface ?? 'eth0',
  ];
}
