/**
 * The ends of a trace, from what a user types: a port id, an instance id (the port's
 * device_id), a port name, a fixed IP, a floating IP, or any other address (a host outside the
 * cloud), IPv4 or IPv6: a port stands for its address of the trace's family. Tenants may reuse
 * addresses, so a fixed IP held by several ports is resolved on the source's network first, and
 * otherwise refused with the candidates named.
 */
import { formatIp, parseIp } from '../../model/ip/address.js';
import { QuarkError } from '../../model/errors.js';
import type { FloatingIp, Port } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';

export type Endpoint =
  | { readonly kind: 'port'; readonly port: Port; readonly ip: string; readonly floating: FloatingIp | null }
  /** An address no port holds; `floating` when it is a floating IP that points nowhere now. */
  | { readonly kind: 'external'; readonly ip: string; readonly floating?: FloatingIp };

export const addressOf = (p: Port, family: 4 | 6): string | null =>
  p.fixed_ips.find((f) => parseIp(f.ip_address)?.version === family)?.ip_address ?? null;

export const ipv4Of = (p: Port): string | null => addressOf(p, 4);

function portEndpoint(port: Port, family: 4 | 6, floating: FloatingIp | null = null): Endpoint {
  const ip = floating?.floating_ip_address ?? addressOf(port, family);
  if (!ip)
    throw new QuarkError(
      'InvalidInput',
      `Invalid input for operation: port ${port.id} has no IPv${family} address to trace from or to.`,
    );
  return { kind: 'port', port, ip, floating };
}

function ambiguous(what: string, ports: readonly Port[]): QuarkError {
  const list = ports.map((p) => `${p.name || p.id} (${p.id}, network ${p.network_id})`).join(', ');
  return new QuarkError('InvalidInput', `Invalid input for operation: ${what} matches several ports: ${list}; give a port id.`);
}

/** What a trace sends, for a floating IP of port forwardings: the forwarding taking it names the instance. */
export interface Traffic {
  readonly protocol: string;
  readonly port: number | null;
}

/**
 * The port behind a floating IP of port forwardings for `traffic`: its forwarding's internal
 * port, else (no forwarding takes it) the first forwarding's, so the trace walks to the router,
 * which says so.
 */
function forwardedPort(view: ReadView, fip: FloatingIp, traffic: Traffic | undefined): Port | undefined {
  const forwardings = [...view.by('port_forwarding', 'floatingip', fip.id)].sort((a, b) => (a.id < b.id ? -1 : 1));
  const takes = forwardings.find((pf) => {
    const [first, last = first] = pf.external_port_range.split(':').map(Number) as [number, number?];
    return traffic?.port != null && pf.protocol === traffic.protocol && traffic.port >= first && traffic.port <= last;
  });
  const pf = takes ?? forwardings[0];
  return pf ? view.get('port', pf.internal_port_id) : undefined;
}

function byAddress(view: ReadView, ip: string, role: 'from' | 'to', source: Endpoint | null, traffic?: Traffic): Endpoint {
  const fip = view.all('floatingip').find((f) => f.floating_ip_address === ip);
  if (fip) {
    const port = fip.port_id ? view.get('port', fip.port_id) : role === 'to' ? forwardedPort(view, fip, traffic) : undefined;
    // A packet may well be sent to a floating IP that points nowhere (the trace says what becomes of it); nothing sends from one.
    if (!port && role === 'to') return { kind: 'external', ip, floating: fip };
    if (!port)
      throw new QuarkError('InvalidInput', `Invalid input for operation: floating IP ${ip} is not associated with a port.`);
    // A floating IP as source stands for its instance, which sends from its fixed IP.
    return role === 'from' ? portEndpoint(port, 4) : portEndpoint(port, 4, fip);
  }
  const holders = view.all('port').filter((p) => p.fixed_ips.some((f) => f.ip_address === ip));
  if (holders.length === 1) return { kind: 'port', port: holders[0]!, ip, floating: null };
  if (holders.length > 1) {
    const near = source?.kind === 'port' ? holders.filter((p) => p.network_id === source.port.network_id) : [];
    if (near.length === 1) return { kind: 'port', port: near[0]!, ip, floating: null };
    throw ambiguous(ip, holders);
  }
  return { kind: 'external', ip };
}

export function resolveEndpoint(
  view: ReadView,
  text: string,
  role: 'from' | 'to',
  source: Endpoint | null,
  family: 4 | 6 = 4,
  traffic?: Traffic,
): Endpoint {
  const ip = parseIp(text);
  if (ip) return byAddress(view, formatIp(ip), role, source, traffic);
  const byId = view.get('port', text);
  if (byId) return portEndpoint(byId, family);
  const devices = view.by('port', 'device', text).filter((p) => p.device_owner.startsWith('compute:'));
  if (devices.length === 1) return portEndpoint(devices[0]!, family);
  if (devices.length > 1) throw ambiguous(`instance ${text}`, devices);
  const named = view.all('port').filter((p) => p.name === text);
  if (named.length === 1) return portEndpoint(named[0]!, family);
  if (named.length > 1) throw ambiguous(`name ${text}`, named);
  throw new QuarkError('PortNotFound', `No port, instance or address matches ${text}.`);
}
