/**
 * Where a packet really goes, from the `Datapath actions:` of ofproto/trace: the datapath
 * ports it is output to, and the tunnels it is sent into. Both datapaths are read:
 *
 *   userspace  tnl_push(tnl_port(5),header(…ipv4(src=198.18.1.12,dst=198.18.1.11,…),gre((…),key=0x2)),out_port(4)),3
 *              tnl_push(…udp(src=0,dst=4789,…),vxlan(flags=0x8000000,vni=0x2)),out_port(4)),3
 *   kernel     set(tunnel(tun_id=0x2,dst=198.18.1.11,ttl=64,tp_dst=4789,flags(df|key))),3
 *   flooding   clone(tnl_push(…),3),push_vlan(vid=2,pcp=0),2,pop_vlan,6
 */

export type DatapathOutput =
  /** A datapath port: its number, or its name when ofproto/trace ran with `--names`. */
  { readonly kind: 'port'; readonly port: string } | { readonly kind: 'tunnel'; readonly remoteIp: string; readonly key: number };

/** Datapath actions without arguments: everything else bare is an output port. */
const KEYWORDS = new Set(['drop', 'pop_vlan', 'pop_eth', 'pop_mpls', 'ct_clear', 'pop_nsh', 'userspace', 'trunc']);

/** Splits at top-level commas (not inside parentheses). */
export function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = text.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** The inside of `name(…)`, or null when `action` is not that call. */
function inner(action: string, name: string): string | null {
  return action.startsWith(`${name}(`) && action.endsWith(')') ? action.slice(name.length + 1, -1) : null;
}

function tunnelOfPush(header: string): DatapathOutput | null {
  const dst = /ipv4\(src=[^,]+,dst=([0-9.]+)/.exec(header)?.[1];
  const key = /(?:key|vni)=(0x[0-9a-f]+|\d+)/.exec(header)?.[1];
  return dst && key ? { kind: 'tunnel', remoteIp: dst, key: Number(key) } : null;
}

function tunnelOfSet(args: string): DatapathOutput | null {
  const dst = /(?:^|,)dst=([0-9.]+)/.exec(args)?.[1];
  const key = /tun_id=(0x[0-9a-f]+|\d+)/.exec(args)?.[1];
  return dst ? { kind: 'tunnel', remoteIp: dst, key: key ? Number(key) : 0 } : null;
}

export function datapathOutputs(actions: string): DatapathOutput[] {
  const out: DatapathOutput[] = [];
  let pendingTunnel: DatapathOutput | null = null;
  // A userspace tnl_push is followed by the underlay port that carries the encapsulated packet.
  let carrier = false;
  for (const action of splitTopLevel(actions)) {
    const clone = inner(action, 'clone');
    if (clone !== null) {
      out.push(...datapathOutputs(clone));
      continue;
    }
    const push = inner(action, 'tnl_push');
    if (push !== null) {
      const t = tunnelOfPush(push);
      if (t) out.push(t);
      carrier = true;
      continue;
    }
    const set = inner(action, 'set');
    const tunnel = set !== null ? inner(set, 'tunnel') : null;
    if (tunnel !== null) {
      pendingTunnel = tunnelOfSet(tunnel);
      continue;
    }
    if (/^[\w.:-]+$/.test(action) && !KEYWORDS.has(action)) {
      // After set(tunnel(…)) the output port is the tunnel's vport (kernel datapath).
      if (!carrier) out.push(pendingTunnel ?? { kind: 'port', port: action });
      pendingTunnel = null;
    }
    carrier = false;
  }
  return out;
}

/** `ovs-appctl dpctl/show`: datapath port number → device name. */
export function parseDpctlShow(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of text.matchAll(/^\s*port (\d+): (\S+)/gm)) out.set(Number(m[1]), m[2]!);
  return out;
}
