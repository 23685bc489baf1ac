/**
 * The DHCP client of lab instances: busybox `udhcpc` with a small hook script that configures
 * the interface from the lease the way a cloud image's client would (address and prefix, MTU
 * from option 26, classless static routes from option 121, else the default route from option 3)
 * and records every value it got, so tests and `quark lab` can show exactly what was handed out.
 *
 *   ip netns exec vm1 env QUARK_LEASE_FILE=/…/vm1.lease \
 *       busybox udhcpc -i eth0 -f -q -n -t 5 -T 1 -O staticroutes -s /…/udhcpc-hook.sh
 *
 * The hook prints one line `lease ip=10.0.0.3/24 router=… dns=… mtu=… routes=…` (what
 * `quark lab` shows) and, when QUARK_LEASE_FILE is set, writes `key=value` lines there: ip, mask
 * (prefix length), router, dns, domain, mtu, staticroutes (dest/len gateway pairs), lease
 * (seconds), serverid. Instances share the node's /etc, so DNS servers go into that file rather
 * than into /etc/resolv.conf.
 */
import { chmodSync, writeFileSync } from 'node:fs';

const HOOK = `#!/bin/sh
# udhcpc hook of Quark's lab instances (written by src/lab/udhcpc-script.ts).
dev="$interface"
case "$1" in
  deconfig)
    ip -4 addr flush dev "$dev"
    ip link set dev "$dev" up
    ;;
  bound|renew)
    [ -n "$mtu" ] && ip link set dev "$dev" mtu "$mtu"
    ip -4 addr flush dev "$dev"
    ip addr add "$ip/$mask" dev "$dev"
    ip -4 route flush dev "$dev" proto static 2>/dev/null
    if [ -n "$staticroutes" ]; then
      # RFC 3442: with classless routes the router option is ignored.
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = "0.0.0.0" ]; then
          ip route replace "$1" dev "$dev" proto static
        else
          ip route replace "$1" via "$2" dev "$dev" proto static
        fi
        shift 2
      done
    elif [ -n "$router" ]; then
      set -- $router
      ip route replace default via "$1" dev "$dev" proto static
    fi
    echo "lease ip=$ip/$mask router=$router dns=$dns mtu=$mtu routes=$staticroutes"
    if [ -n "$QUARK_LEASE_FILE" ]; then
      {
        echo "ip=$ip"
        echo "mask=$mask"
        echo "router=$router"
        echo "dns=$dns"
        echo "domain=$domain"
        echo "mtu=$mtu"
        echo "staticroutes=$staticroutes"
        echo "lease=$lease"
        echo "serverid=$serverid"
      } > "$QUARK_LEASE_FILE.tmp" && mv "$QUARK_LEASE_FILE.tmp" "$QUARK_LEASE_FILE"
    fi
    ;;
esac
exit 0
`;

/** Writes the hook script to `path` (executable) and returns the path. */
export function writeUdhcpcHook(path: string): string {
  writeFileSync(path, HOOK);
  chmodSync(path, 0o755);
  return path;
}

export interface UdhcpcOptions {
  readonly hook: string;
  /** Where the hook records the lease's values (none: it only prints the lease line). */
  readonly leaseFile?: string;
  readonly interface?: string;
  /** Discover attempts, one second apart. */
  readonly tries?: number;
}

/** argv of one udhcpc run in the instance's namespace: get a lease, configure, exit (non-zero without a lease). */
export function udhcpcArgv(o: UdhcpcOptions): string[] {
  return [
    ...(o.leaseFile ? ['env', `QUARK_LEASE_FILE=${o.leaseFile}`] : []),
    'busybox',
    'udhcpc',
    '-i',
    o.interface ?? 'eth0',
    '-f',
    '-q',
    '-n',
    '-t',
    String(o.tries ?? 5),
    '-T',
    '1',
    // Ask for option 121 as cloud images' clients do; dnsmasq sends only what is asked for.
    '-O',
    'staticroutes',
    '-s',
    o.hook,
  ];
}

/** Parses the lease file the hook writes. */
export function parseLeaseFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}
