/**
 * Which addresses a port gets. With no request: one address from the network's first IPv4
 * subnet with room, one from its first IPv6 subnet with stateful addressing, and the EUI-64
 * address of every SLAAC subnet. With a request: exactly the subnets and addresses asked for,
 * each checked (on the network, valid for the subnet, not taken by another port). Only subnets
 * whose service types admit the port's device owner count.
 */
import { QuarkError, invalidInput } from '../../model/errors.js';
import { cidrContains } from '../../model/ip/cidr.js';
import { eui64Address, isAutoAddressSubnet, mustParseCidr, mustParseIp, validForSubnet } from '../../model/ipam.js';
import type { FixedIp, Network, Port, Subnet } from '../../model/resources.js';
import { DeviceOwner, isRouterOwner } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';
import type { PluginContext } from './context.js';

export interface FixedIpRequest {
  readonly subnet_id?: string;
  readonly ip_address?: string;
}

interface Allocation {
  readonly net: Network;
  readonly subnets: readonly Subnet[];
  readonly owner: string;
  readonly mac: string;
  /** Addresses the port holds already: they stay its own during an update. */
  readonly own: ReadonlySet<string>;
  /** Addresses chosen earlier in this request. */
  readonly chosen: Set<string>;
}

const networkFull = (netId: string) =>
  new QuarkError('IpAddressGenerationFailure', `No more IP addresses available on network ${netId}.`);
const subnetFull = (subnetId: string) =>
  new QuarkError('IpAddressGenerationFailure', `No more IP addresses available for subnet ${subnetId}.`);

/**
 * subnet-service-types: a subnet with service types gives addresses only to ports of those
 * device owners (and to DHCP ports, when DHCP is on), as Neutron's query_filter_service_subnets.
 */
function servesOwner(subnet: Subnet, owner: string): boolean {
  const types = subnet.service_types ?? [];
  return types.length === 0 || types.includes(owner) || (owner === DeviceOwner.dhcp && subnet.enable_dhcp);
}

function taken(view: ReadView, ctx: PluginContext, a: Allocation, ip: string): boolean {
  return a.chosen.has(ip) || (!a.own.has(ip) && ctx.addresses.isTaken(view, a.net.id, ip));
}

function pick(view: ReadView, ctx: PluginContext, a: Allocation, subnet: Subnet): string | null {
  if (isAutoAddressSubnet(subnet)) return eui64Address(mustParseCidr(subnet.cidr), a.mac);
  const exclude = new Set([...a.chosen]);
  const ip = ctx.addresses.allocate(view, subnet, { fromStart: a.owner === DeviceOwner.dhcp, exclude });
  if (ip !== null) a.chosen.add(ip);
  return ip;
}

function defaultAddresses(view: ReadView, ctx: PluginContext, a: Allocation): FixedIp[] {
  const out: FixedIp[] = [];
  for (const version of [4, 6] as const) {
    const candidates = a.subnets.filter((s) => s.ip_version === version && !isAutoAddressSubnet(s));
    if (candidates.length === 0) continue;
    let got = false;
    for (const s of candidates) {
      const ip = pick(view, ctx, a, s);
      if (ip !== null) {
        out.push({ subnet_id: s.id, ip_address: ip });
        got = true;
        break;
      }
    }
    if (!got) throw networkFull(a.net.id);
  }
  if (!isRouterOwner(a.owner)) {
    for (const s of a.subnets.filter(isAutoAddressSubnet)) out.push({ subnet_id: s.id, ip_address: pick(view, ctx, a, s)! });
  }
  return out;
}

function requestedAddress(view: ReadView, ctx: PluginContext, a: Allocation, req: FixedIpRequest): FixedIp {
  if (req.subnet_id === undefined && req.ip_address === undefined) {
    throw invalidInput('Exactly one of subnet_id or ip_address must be specified in each fixed_ips entry, or both');
  }
  let subnet: Subnet | undefined;
  if (req.subnet_id !== undefined) {
    subnet = a.subnets.find((s) => s.id === req.subnet_id);
    if (!subnet) {
      throw invalidInput(
        `Failed to create port on network ${a.net.id}, because fixed_ips included invalid subnet ${req.subnet_id}`,
      );
    }
  }
  if (req.ip_address === undefined) {
    const ip = pick(view, ctx, a, subnet!);
    if (ip === null) throw subnetFull(subnet!.id);
    return { subnet_id: subnet!.id, ip_address: ip };
  }
  const ip = mustParseIp(req.ip_address);
  subnet ??= a.subnets.find((s) => cidrContains(mustParseCidr(s.cidr), ip));
  if (!subnet) {
    throw new QuarkError(
      'InvalidIpForNetwork',
      `IP address ${req.ip_address} is not a valid IP for any of the subnets on the specified network.`,
    );
  }
  if (!validForSubnet(mustParseCidr(subnet.cidr), ip, a.owner)) {
    throw new QuarkError('InvalidIpForSubnet', `IP address ${req.ip_address} is not a valid IP for the specified subnet.`);
  }
  if (
    isAutoAddressSubnet(subnet) &&
    !isRouterOwner(a.owner) &&
    req.ip_address !== eui64Address(mustParseCidr(subnet.cidr), a.mac)
  ) {
    throw invalidInput(
      `IPv6 address ${req.ip_address} cannot be directly assigned to a port on subnet ${subnet.id} as the subnet is configured for automatic addresses`,
    );
  }
  if (taken(view, ctx, a, req.ip_address)) {
    throw new QuarkError('IpAddressAlreadyAllocated', `IP address ${req.ip_address} already allocated in subnet ${subnet.id}`);
  }
  a.chosen.add(req.ip_address);
  return { subnet_id: subnet.id, ip_address: req.ip_address };
}

/**
 * The port's fixed IPs for a create (`current` null) or an update. `requested` undefined means
 * "as Neutron chooses by default" on create and "unchanged" on update.
 */
export function resolveFixedIps(
  view: ReadView,
  ctx: PluginContext,
  net: Network,
  port: { owner: string; mac: string; current: Port | null },
  requested: readonly FixedIpRequest[] | undefined,
): FixedIp[] {
  if (requested === undefined && port.current) return [...port.current.fixed_ips];
  const a: Allocation = {
    net,
    subnets: view.by('subnet', 'network', net.id).filter((s) => servesOwner(s, port.owner)),
    owner: port.owner,
    mac: port.mac,
    own: new Set(port.current?.fixed_ips.map((f) => f.ip_address) ?? []),
    chosen: new Set(),
  };
  if (requested === undefined) return defaultAddresses(view, ctx, a);
  // Addresses named explicitly are claimed first, so an allocation in the same request skips them.
  const explicit = requested.map((r, i) => ({ r, i })).filter(({ r }) => r.ip_address !== undefined);
  const implicit = requested.map((r, i) => ({ r, i })).filter(({ r }) => r.ip_address === undefined);
  const out: FixedIp[] = new Array(requested.length);
  for (const { r, i } of [...explicit, ...implicit]) out[i] = requestedAddress(view, ctx, a, r);
  return out;
}
