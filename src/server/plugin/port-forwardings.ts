/**
 * Rules of the `port_forwarding` resource (Neutron's portforwarding/pf_plugin.py, measured on
 * Neutron 21): a forwarding maps ports of a floating IP that has no port of its own to ports of
 * one IPv4 address of an internal port, behind the router that connects that address to the
 * floating IP's network. The first forwarding gives the floating IP that router; the last one
 * to go takes it away again. Ranges map N external ports to N internal ones, or N to one; two
 * forwardings of one floating IP and protocol never share an external port, nor two of one
 * internal address and protocol an internal port. A floating IP with forwardings is neither
 * deleted nor associated with a port (FipInUseByPortForwarding), and a port that has its own
 * floating IP takes no forwarding (PortHasBindingFloatingIP). Deleting the internal port, or
 * taking the forwarded address from it, deletes the forwardings.
 */
import type { PortForwardingCreate, PortForwardingUpdate } from '../../model/api/values.js';
import { QuarkError, badRequest } from '../../model/errors.js';
import type { FixedIp, FloatingIp, Port, PortForwarding } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { AttributeValues } from '../api/request-body.js';
import type { HandlerSpec } from '../api/resource.js';
import { allowed } from '../policy.js';
import type { PluginContext } from './context.js';
import { routerFor } from './floating-ips.js';
import { portNotFound } from './not-found.js';

export const portForwardingNotFound = (id: string) =>
  new QuarkError('PortForwardingNotFound', `Port Forwarding ${id} could not be found.`);

const bad = (reason: string) => badRequest('port_forwarding', reason.replace(/\.$/, ''));
const isV4 = (f: FixedIp) => !f.ip_address.includes(':');
/** Python's repr of a port's fixed IPs, as Neutron's messages print them. */
const pyFixedIps = (ips: readonly FixedIp[]) =>
  `[${ips.map((f) => `{'subnet_id': '${f.subnet_id}', 'ip_address': '${f.ip_address}'}`).join(', ')}]`;

/** `first:last` as numbers. */
export function rangeOf(range: string): [number, number] {
  const [a, b = a] = range.split(':').map(Number) as [number, number?];
  return [a, b];
}

const single = (range: string): number | null => {
  const [a, b] = rangeOf(range);
  return a === b ? a : null;
};

/** The ports a request gives: a single port wins over a range of the same side, as Neutron's object. */
function ports(v: AttributeValues, before?: PortForwarding): { internal: string | null; external: string | null } {
  const pick = (port: unknown, range: unknown, old: string | undefined) =>
    typeof port === 'number' ? `${port}:${port}` : typeof range === 'string' ? range : (old ?? null);
  return {
    internal: pick(v.internal_port, v.internal_port_range, before?.internal_port_range),
    external: pick(v.external_port, v.external_port_range, before?.external_port_range),
  };
}

/** N external ports to N internal ones, or to one (Neutron's _validate_ranges). */
function checkRelation(internal: string, external: string): void {
  const width = (r: string) => rangeOf(r)[1] - rangeOf(r)[0];
  if (width(internal) > 0 && width(internal) !== width(external)) {
    throw bad(
      'Invalid ranges of internal and/or external ports. The relation between internal and external ports must be N-N or 1-N',
    );
  }
}

function collides(a: string, b: string): boolean {
  const [a0, a1] = rangeOf(a);
  const [b0, b1] = rangeOf(b);
  return Math.max(a0, b0) <= Math.min(a1, b1);
}

/** Neutron's _check_port_collisions: outside, per floating IP and protocol; inside, per address and protocol. */
function checkCollisions(view: ReadView, pf: Omit<PortForwarding, 'id'> & { id?: string }): void {
  const check = (others: readonly PortForwarding[], key: 'internal_port_range' | 'external_port_range') => {
    for (const o of others) {
      if (o.id === pf.id || !collides(o[key], pf[key])) continue;
      throw bad(`There is a port collision with the ${key}. The following ranges collides: ${o[key]} and ${pf[key]}`);
    }
  };
  check(
    view
      .by('port_forwarding', 'internalPort', pf.internal_port_id)
      .filter((o) => o.protocol === pf.protocol && o.internal_ip_address === pf.internal_ip_address),
    'internal_port_range',
  );
  check(
    view.by('port_forwarding', 'floatingip', pf.floatingip_id).filter((o) => o.protocol === pf.protocol),
    'external_port_range',
  );
}

/** A port that has a floating IP of its own takes no forwarding (Neutron's _check_port_has_binding_floating_ip). */
function checkNoFloatingIp(view: ReadView, portId: string, internalIp: string): void {
  const fip = view.by('floatingip', 'port', portId)[0];
  if (!fip) return;
  throw new QuarkError(
    'PortHasBindingFloatingIP',
    `Cannot create port forwarding to floating IP ${fip.floating_ip_address} (${fip.id}) with port ${portId} using fixed IP ${internalIp}, as that port already has a binding floating IP.`,
  );
}

/** The internal port, if the caller may see it (Neutron looks it up with the caller's context). */
function internalPort(tx: WriteTx, ctx: PluginContext, portId: string): Port {
  const port = tx.get('port', portId);
  const network = port && tx.get('network', port.network_id);
  if (!port || !allowed('get_port', ctx.caller, { projectId: port.project_id, networkProjectId: network?.project_id ?? '' })) {
    throw portNotFound(portId);
  }
  return port;
}

/**
 * The router that connects the forwarded address to the floating IP's network (Neutron's
 * _find_a_router_for_fip_port_forwarding); without an address, the port's first IPv4 one.
 */
function routerOf(tx: WriteTx, fip: FloatingIp, port: Port, requested: string | null): { router: string; address: string } {
  const v4 = port.fixed_ips.filter(isV4);
  if (v4.length === 0) throw bad(`Requested internal port ${port.id} must allocate an IPv4 address at least`);
  const fixed = requested === null ? v4[0]! : v4.find((f) => f.ip_address === requested);
  if (!fixed) {
    throw bad(
      `Requested internal IP address ${requested} is not suitable for internal neutron port ${port.id}, as its fixed_ips are ${pyFixedIps(v4)}`,
    );
  }
  try {
    return {
      router: routerFor(tx, port, tx.get('subnet', fixed.subnet_id)!, fip.floating_network_id),
      address: fixed.ip_address,
    };
  } catch (e) {
    if (!(e instanceof QuarkError) || e.code !== 'ExternalGatewayForFloatingIPNotFound') throw e;
    throw bad(
      `External network ${fip.floating_network_id} is not reachable from subnet ${fixed.subnet_id}. Cannot set Port forwarding for port ${port.id} with Floating IP ${fip.id}`,
    );
  }
}

/** A floating IP already on another router takes no forwarding to this one (Neutron's _check_router_match). */
function checkRouterMatch(view: ReadView, fip: FloatingIp, router: string, pf: Omit<PortForwarding, 'id'>): void {
  if (!fip.router_id || fip.router_id === router) return;
  const same = view
    .by('port_forwarding', 'floatingip', fip.id)
    .some((o) => o.internal_ip_address === pf.internal_ip_address && o.internal_port === pf.internal_port);
  throw bad(
    same
      ? `Floating IP ${fip.id} with params: internal_ip_address: ${pf.internal_ip_address}, internal_port: ${pf.internal_port} already exists`
      : `The Floating IP ${fip.id} had been set on router ${fip.router_id}, the internal Neutron port ${pf.internal_port_id} can not reach it`,
  );
}

function withPorts(pf: Omit<PortForwarding, 'external_port' | 'internal_port'>): Omit<PortForwarding, 'id'> & { id: string } {
  return { ...pf, external_port: single(pf.external_port_range), internal_port: single(pf.internal_port_range) };
}

/** Gives the floating IP its router (or takes it away), which also moves its revision as Neutron's revises_on_change. */
function touchFloatingIp(tx: WriteTx, fip: FloatingIp, router: string | null): void {
  tx.put('floatingip', { ...fip, router_id: router });
}

export function createPortForwarding(tx: WriteTx, ctx: PluginContext, v: PortForwardingCreate): PortForwarding {
  const fip = tx.get('floatingip', v.floatingip_id)!;
  const { internal, external } = ports(v);
  if (internal === null || external === null) throw bad('An internal and an external port or port range are required');
  checkRelation(internal, external);
  const draft = withPorts({
    id: ctx.newId(),
    floatingip_id: fip.id,
    project_id: fip.project_id,
    protocol: v.protocol,
    internal_port_id: v.internal_port_id,
    internal_ip_address: v.internal_ip_address,
    internal_port_range: internal,
    external_port_range: external,
    description: v.description,
  });
  checkCollisions(tx, draft);
  checkNoFloatingIp(tx, draft.internal_port_id, draft.internal_ip_address);
  if (fip.port_id) {
    throw new QuarkError(
      'FloatingIPPortAlreadyAssociated',
      `Cannot associate floating IP ${fip.floating_ip_address} (${fip.id}) with port ${draft.internal_port_id} using fixed IP ${draft.internal_ip_address}, as that fixed IP already has a floating IP on external network ${fip.floating_network_id}.`,
    );
  }
  const port = internalPort(tx, ctx, draft.internal_port_id);
  const { router } = routerOf(tx, fip, port, draft.internal_ip_address);
  checkRouterMatch(tx, fip, router, draft);
  touchFloatingIp(tx, fip, router);
  return tx.put('port_forwarding', draft);
}

export function updatePortForwarding(
  tx: WriteTx,
  ctx: PluginContext,
  pf: PortForwarding,
  v: PortForwardingUpdate,
): PortForwarding {
  const fip = tx.get('floatingip', pf.floatingip_id)!;
  const newPort = v.internal_port_id;
  let address = v.internal_ip_address ?? pf.internal_ip_address;
  if (newPort !== undefined) checkNoFloatingIp(tx, newPort, address);
  if (newPort !== undefined && newPort !== pf.internal_port_id) {
    const port = internalPort(tx, ctx, newPort);
    const found = routerOf(tx, fip, port, v.internal_ip_address ?? null);
    address = found.address;
    checkRouterMatch(tx, fip, found.router, { ...pf, internal_port_id: newPort, internal_ip_address: address });
  }
  const { internal, external } = ports(v, pf);
  const next = withPorts({
    ...pf,
    protocol: v.protocol ?? pf.protocol,
    internal_port_id: newPort ?? pf.internal_port_id,
    internal_ip_address: address,
    internal_port_range: internal!,
    external_port_range: external!,
    description: v.description ?? pf.description,
  });
  const fixedIps = tx.get('port', next.internal_port_id)?.fixed_ips ?? [];
  if (!fixedIps.some((f) => f.ip_address === next.internal_ip_address)) {
    throw bad(
      `The internal IP does not correspond to an address on the internal port, which has fixed_ips ${pyFixedIps(fixedIps)}`,
    );
  }
  if (['internal_port', 'internal_port_range', 'external_port', 'external_port_range'].some((k) => k in v)) {
    checkRelation(next.internal_port_range, next.external_port_range);
    checkCollisions(tx, next);
  }
  touchFloatingIp(tx, fip, fip.router_id);
  return tx.put('port_forwarding', next);
}

/** Deletes a forwarding; the floating IP's last one takes the floating IP's router away. */
export function deletePortForwarding(tx: WriteTx, pf: PortForwarding): void {
  tx.delete('port_forwarding', pf.id);
  const fip = tx.get('floatingip', pf.floatingip_id);
  if (!fip) return;
  touchFloatingIp(tx, fip, tx.count('port_forwarding', 'floatingip', fip.id) > 0 ? fip.router_id : null);
}

/**
 * A port that goes, or whose IPv4 addresses change, takes the forwardings of the addresses it no
 * longer has with it (Neutron's _process_port_request). `port` is the port as it is now; null
 * when it is deleted.
 */
export function dropPortForwardingsOf(tx: WriteTx, portId: string, port: Port | null): void {
  const kept = new Set(port?.fixed_ips.filter(isV4).map((f) => f.ip_address) ?? []);
  for (const pf of tx.by('port_forwarding', 'internalPort', portId)) {
    if (!kept.has(pf.internal_ip_address)) deletePortForwarding(tx, pf);
  }
}

/** A floating IP with forwardings is not deleted, nor associated with a port (Neutron's _check_floatingip_request). */
export function checkFloatingIpFree(view: ReadView, fip: FloatingIp): void {
  if (view.count('port_forwarding', 'floatingip', fip.id) > 0) {
    throw new QuarkError('FipInUseByPortForwarding', `Floating IP ${fip.id} in use by Port Forwarding resources.`);
  }
}

/** The forwardings a floating IP shows (`expose-port-forwarding-in-fip` with `-detail`), by id. */
export function portForwardingsOf(view: ReadView, fip: FloatingIp): Record<string, unknown>[] {
  return [...view.by('port_forwarding', 'floatingip', fip.id)]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((pf) => ({
      id: pf.id,
      protocol: pf.protocol,
      internal_ip_address: pf.internal_ip_address,
      internal_port_id: pf.internal_port_id,
      ...(pf.internal_port === null ? {} : { internal_port: pf.internal_port }),
      ...(pf.external_port === null ? {} : { external_port: pf.external_port }),
    }));
}

export const portForwardingHandler: HandlerSpec<'port_forwarding', PortForwardingCreate, PortForwardingUpdate> = {
  kind: 'port_forwarding',
  path: 'floatingips/:floatingip_id/port_forwardings',
  notFound: portForwardingNotFound,
  parent: { kind: 'floatingip', index: 'floatingip', of: (pf) => pf.floatingip_id, list: 'not-found', member: 'parent' },
  target: (view, pf) => ({ projectId: view.get('floatingip', pf.floatingip_id)?.project_id ?? pf.project_id }),
  createTarget: (view, _ctx, v, projectId) => ({
    projectId: view.get('floatingip', v.floatingip_id)?.project_id ?? projectId,
  }),
  create: (tx, ctx, v) => createPortForwarding(tx, ctx, v),
  update: updatePortForwarding,
  delete: (tx, _ctx, pf) => deletePortForwarding(tx, pf),
};
