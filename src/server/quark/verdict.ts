/**
 * A trace's verdict in API terms: which security group of which project lets nothing in, which
 * router has no route, which port a packet reached instead of the one meant. Agents state
 * causes with their own partial knowledge; here they are said again with the names and
 * projects the server knows.
 */
import type { DropCause, HostExit, ObjectRef, TracePacket, Verdict } from '../../model/trace.js';
import type { Endpoint } from './endpoints.js';
import type { Names } from './names.js';

/** `tcp/22`, `icmp`; a reply as what it answers: `tcp/22 reply`, `icmp echo reply`. */
const traffic = (p: TracePacket) =>
  p.reply
    ? p.protocol === 'icmp'
      ? 'icmp echo reply'
      : `${p.protocol}/${p.sport} reply`
    : p.protocol === 'icmp'
      ? 'icmp'
      : `${p.protocol}/${p.dport}`;

function groupsWords(names: Names, refs: readonly ObjectRef[]): string {
  const groups = refs.filter((r) => r.kind === 'security_group').map((r) => names.group(r.id));
  return groups.length === 0
    ? 'no security group'
    : groups.length === 1
      ? `security group ${groups[0]}`
      : `security groups ${groups.join(', ')}`;
}

export function dropVerdict(names: Names, cause: DropCause, p: TracePacket, host: string): Verdict {
  const refs = cause.refs.map((r) => names.resolve(r));
  const port = refs.find((r) => r.kind === 'port');
  const who = port ? names.label(port) : 'the port';
  let says: string;
  switch (cause.code) {
    case 'ingress-rules':
      says = `no ingress rule of ${groupsWords(names, refs)} allows ${traffic(p)} from ${p.src} to ${who}`;
      break;
    case 'egress-rules':
      says = `no egress rule of ${groupsWords(names, refs)} allows ${traffic(p)} to ${p.dst} from ${who}`;
      break;
    case 'anti-spoofing':
      says = `${who} may not send from ${p.src} (MAC ${p.srcMac}): it is not one of its fixed IPs or allowed address pairs (anti-spoofing)`;
      break;
    case 'no-route': {
      const router = refs.find((r) => r.kind === 'router');
      says = router ? `${names.label(router)} has no route to ${p.dst}: ${cause.says.replace(/^.*?\(/, '(')}` : cause.says;
      break;
    }
    default:
      says = cause.says;
  }
  return { result: 'dropped', says: `${says} (on host ${host})`, refs };
}

/** Delivered to the port meant, or to another one with the destination address. */
export function deliveredVerdict(
  names: Names,
  portId: string,
  to: Endpoint,
  p: TracePacket,
  host: string,
  service?: string,
): Verdict {
  const reached: ObjectRef = { kind: 'port', id: portId };
  if (service) {
    return {
      result: 'delivered',
      says: `delivered to ${service}, on host ${host} (${p.src} → ${p.dst}, ${traffic(p)})`,
      refs: [reached],
    };
  }
  if (to.kind === 'external' || to.port.id === portId) {
    return {
      result: 'delivered',
      says: `delivered to ${names.label(reached)} on host ${host} (${p.src} → ${p.dst}, ${traffic(p)})`,
      refs: [reached],
    };
  }
  const meant: ObjectRef = { kind: 'port', id: to.port.id };
  return {
    result: 'misdelivered',
    says: `reached ${names.label(reached)} instead of ${names.label(meant)}: both hold ${p.dst}, on different networks that no router joins for this sender`,
    refs: [reached, meant],
  };
}

export function leftVerdict(
  names: Names,
  exit: Extract<HostExit, { kind: 'external' }>,
  to: Endpoint,
  sent: TracePacket,
  host: string,
): Verdict {
  const p = exit.packet;
  const how = sent.reply ? 'conntrack undid the DNAT' : 'SNAT';
  const nat = p.src !== sent.src ? ` with source ${p.src} (${how}; sent as ${sent.src})` : '';
  const where = `left the cloud through ${exit.device} of ${exit.bridge} on host ${host}${nat}`;
  if (to.kind === 'external' && to.floating) {
    const fip: ObjectRef = { kind: 'floatingip', id: to.floating.id };
    const says = `${where}, towards ${names.label(fip)}, which is not associated with any port: nothing answers for it`;
    return { result: 'unreachable', says, refs: [fip] };
  }
  if (to.kind === 'external') return { result: 'left', says: `${where}, towards ${p.dst}`, refs: [] };
  return {
    result: 'misdelivered',
    says: `${where} instead of reaching ${names.label({ kind: 'port', id: to.port.id })}`,
    refs: [],
  };
}
