/**
 * Does one iptables rule match a packet? Covers the matches Quark writes (addresses, protocol,
 * interfaces, physdev, state/conntrack, set, mac, tcp/udp ports, multiport, tcp flags, icmp
 * type, mark, comment) and the ones a host's own simple rules use. Anything else makes the
 * answer `unknown`, with the option named, so a verdict never rests on a guess.
 */
import { type IpAddress, parseIp } from '../model/ip/address.js';
import { cidrContains, parseCidr } from '../model/ip/cidr.js';

/** The packet as netfilter sees it at one hook. */
export interface NetfilterPacket {
  /** IANA protocol number. */
  readonly protocol: number;
  readonly src: IpAddress;
  readonly dst: IpAddress;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
  /** TCP flags set (`SYN` for the first packet). */
  readonly tcpFlags: ReadonlySet<string>;
  readonly srcMac: string | null;
  /** `-i`/`-o`: for bridged frames the bridge (qbr…), for routed ones the device. */
  readonly inIf: string | null;
  readonly outIf: string | null;
  /** Bridge ports, for `-m physdev`. */
  readonly physIn: string | null;
  readonly physOut: string | null;
  readonly bridged: boolean;
  /** Conntrack states: NEW, ESTABLISHED, RELATED, INVALID, DNAT, SNAT. */
  readonly ctstate: ReadonlySet<string>;
  readonly mark: number;
}

/** Members of an ipset, or null when the host has no such set. */
export type SetLookup = (name: string) => ((ip: IpAddress) => boolean) | null;

export type MatchResult = { readonly matched: boolean } | { readonly unknown: string };

const PROTOCOLS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  sctp: 132,
  dccp: 33,
  udplite: 136,
  gre: 47,
  'ipv6-icmp': 58,
  icmpv6: 58,
};
const ICMP_TYPES: Readonly<Record<string, number>> = { 'echo-reply': 0, 'destination-unreachable': 3, 'echo-request': 8 };
const ICMPV6_TYPES: Readonly<Record<string, number>> = {
  'destination-unreachable': 1,
  'echo-request': 128,
  'echo-reply': 129,
  'router-solicitation': 133,
  'router-advertisement': 134,
  'neighbour-solicitation': 135,
  'neighbor-solicitation': 135,
  'neighbour-advertisement': 136,
  'neighbor-advertisement': 136,
};
const TCP_FLAGS = ['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH'];

function address(spec: string, ip: IpAddress): boolean {
  const c = parseCidr(spec.includes('/') ? spec : `${spec}/${ip.version === 4 ? 32 : 128}`);
  return c !== null && c.version === ip.version && cidrContains(c, ip);
}

function iface(spec: string, name: string | null): boolean {
  if (name === null) return false;
  return spec.endsWith('+') ? name.startsWith(spec.slice(0, -1)) : name === spec;
}

function portIn(spec: string, port: number | null): boolean {
  if (port === null) return false;
  return spec.split(',').some((part) => {
    const [lo, hi] = part.split(':').map(Number) as [number, number | undefined];
    return port >= lo && port <= (hi ?? lo);
  });
}

function flags(list: string): string[] {
  return list === 'ALL' ? TCP_FLAGS : list === 'NONE' ? [] : list.split(',');
}

function icmpType(spec: string, p: NetfilterPacket, protocol: 1 | 58): boolean {
  if (p.protocol !== protocol) return false;
  if (spec === 'any') return true;
  const [type, code] = spec.split('/');
  const t = (protocol === 1 ? ICMP_TYPES : ICMPV6_TYPES)[type!] ?? Number(type);
  return p.icmpType === t && (code === undefined || p.icmpCode === Number(code));
}

function mark(spec: string, value: number): boolean {
  const [v, m] = spec.split('/');
  const mask = m === undefined ? 0xffffffff : Number(m);
  return (value & mask) >>> 0 === (Number(v) & mask) >>> 0;
}

/** The arguments before the target (`-j`/`-g`). */
export function matchArgs(args: readonly string[]): readonly string[] {
  const t = args.findIndex((a) => a === '-j' || a === '-g' || a === '--jump' || a === '--goto');
  return t < 0 ? args : args.slice(0, t);
}

export function matchRule(args: readonly string[], p: NetfilterPacket, sets: SetLookup): MatchResult {
  const a = matchArgs(args);
  let negate = false;
  for (let i = 0; i < a.length; ) {
    const opt = a[i]!;
    const v = a[i + 1] ?? '';
    let ok: boolean;
    let used = 2;
    switch (opt) {
      case '!':
        negate = true;
        i++;
        continue;
      case '-m':
      case '--match':
      case '--comment':
        i += 2;
        continue;
      case '-s':
      case '--source':
        ok = address(v, p.src);
        break;
      case '-d':
      case '--destination':
        ok = address(v, p.dst);
        break;
      case '-p':
      case '--protocol':
        ok = v === 'all' || (PROTOCOLS[v] ?? Number(v)) === p.protocol;
        break;
      case '-i':
      case '--in-interface':
        ok = iface(v, p.inIf);
        break;
      case '-o':
      case '--out-interface':
        ok = iface(v, p.outIf);
        break;
      case '--physdev-in':
        ok = iface(v, p.physIn);
        break;
      case '--physdev-out':
        ok = iface(v, p.physOut);
        break;
      case '--physdev-is-bridged':
        ok = p.bridged;
        used = 1;
        break;
      case '--state':
      case '--ctstate':
        ok = v.split(',').some((s) => p.ctstate.has(s));
        break;
      case '--match-set': {
        const test = sets(v);
        if (!test) return { unknown: `ipset ${v} does not exist on the host` };
        ok = test((a[i + 2] ?? 'src').startsWith('dst') ? p.dst : p.src);
        used = 3;
        break;
      }
      case '--mac-source':
        ok = p.srcMac !== null && p.srcMac.toLowerCase() === v.toLowerCase();
        break;
      case '--sport':
      case '--source-port':
      case '--sports':
        ok = portIn(v, p.sport);
        break;
      case '--dport':
      case '--destination-port':
      case '--dports':
        ok = portIn(v, p.dport);
        break;
      case '--tcp-flags': {
        const set = new Set(flags(a[i + 2] ?? ''));
        ok = p.protocol === 6 && flags(v).every((f) => p.tcpFlags.has(f) === set.has(f));
        used = 3;
        break;
      }
      case '--icmp-type':
        ok = icmpType(v, p, 1);
        break;
      case '--icmpv6-type':
        ok = icmpType(v, p, 58);
        break;
      case '--mark':
        ok = mark(v, p.mark);
        break;
      // A rate limit (security group logging) lets a single traced packet through.
      case '--limit':
      case '--limit-burst':
        ok = true;
        break;
      default:
        return { unknown: `option ${opt}` };
    }
    if (negate) ok = !ok;
    negate = false;
    if (!ok) return { matched: false };
    i += used;
  }
  return { matched: true };
}

/** An address as the packet carries it; throws for text that is not one (callers pass addresses they made). */
export function ipOf(text: string): IpAddress {
  const ip = parseIp(text);
  if (!ip) throw new Error(`not an IP address: ${text}`);
  return ip;
}
