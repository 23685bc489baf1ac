/**
 * Rules of the `subnet` resource: Neutron's defaults for gateway and allocation pools, the
 * checks on cidr, gateway, pools, DNS servers, host routes and IPv6 modes, no overlap within a
 * network, updates that keep allocated addresses valid, and delete refused while ports use it.
 */
import type { SubnetCreate, SubnetUpdate } from '../../model/api/values.js';
import { bool } from '../../model/api/validators.js';
import { QuarkError, badRequest, invalidInput } from '../../model/errors.js';
import { formatIp } from '../../model/ip/address.js';
import { ipVersionOf } from '../../model/ip/address.js';
import { cidrsOverlap, formatCidr } from '../../model/ip/cidr.js';
import {
  defaultGateway,
  defaultPools,
  ensureGatewayOutsidePools,
  eui64Address,
  gatewayInvalidInCidr,
  isAutoAddressSubnet,
  mustParseCidr,
  mustParseIp,
  validatePools,
} from '../../model/ipam.js';
import {
  type AllocationPool,
  DeviceOwner,
  type HostRoute,
  type Ipv6Mode,
  type Network,
  type Subnet,
  type SubnetPool,
  isRouterOwner,
} from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { Caller } from '../caller.js';
import type { PluginContext } from './context.js';
import { networkNotFound, subnetNotFound } from './not-found.js';
import { revise } from './revisions.js';
import { allocateSubnet, checkNetworkPools, defaultPool, visiblePool } from './subnetpools.js';
import { canSeeNetwork, networkAccess, networksVisibleTo, sharedWith } from './rbac-access.js';
import { newStandardAttributes } from './standard-attributes.js';

function checkVersion(name: string, address: string, version: 4 | 6): void {
  if (ipVersionOf(address.split('/')[0]!) !== version) {
    throw invalidInput(`${name} '${address}' does not match the ip_version '${version}'`);
  }
}

function checkIpv6Modes(version: 4 | 6, cidrPrefix: number, ra: Ipv6Mode | null, addr: Ipv6Mode | null, dhcp: boolean): void {
  if (ra === null && addr === null) return;
  if (version === 4)
    throw invalidInput(`${ra !== null ? 'ipv6_ra_mode' : 'ipv6_address_mode'} is not valid when ip_version is 4`);
  if (ra !== null && addr !== null && ra !== addr) {
    throw invalidInput(
      `ipv6_ra_mode set to '${ra}' with ipv6_address_mode set to '${addr}' is not valid. If both attributes are set, they must be the same value`,
    );
  }
  if (!dhcp) throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
  if ((addr === 'slaac' || addr === 'dhcpv6-stateless') && cidrPrefix !== 64) {
    throw invalidInput(
      'Invalid CIDR for IPv6 address mode. OpenStack uses the EUI-64 address format, which requires the prefix to be /64',
    );
  }
}

function checkGateway(cidrText: string, version: 4 | 6, gateway: string): void {
  checkVersion('gateway_ip', gateway, version);
  if (gatewayInvalidInCidr(mustParseCidr(cidrText), mustParseIp(gateway))) throw invalidInput('Gateway is not valid on subnet');
}

function checkOptions(
  ctx: PluginContext,
  id: string,
  version: 4 | 6,
  dns: readonly string[] | undefined,
  routes: readonly HostRoute[] | undefined,
): void {
  if (dns) {
    if (dns.length > ctx.config.maxDnsNameservers) {
      throw new QuarkError(
        'DNSNameServersExhausted',
        `Unable to complete operation for ${id}. The number of DNS nameservers exceeds the limit ${ctx.config.maxDnsNameservers}.`,
      );
    }
    for (const d of dns) checkVersion('dns_nameserver', d, version);
  }
  if (routes) {
    if (routes.length > ctx.config.maxSubnetHostRoutes) {
      throw new QuarkError(
        'HostRoutesExhausted',
        `Unable to complete operation for ${id}. The number of host routes exceeds the limit ${ctx.config.maxSubnetHostRoutes}.`,
      );
    }
    for (const r of routes) {
      checkVersion('destination', r.destination, version);
      checkVersion('nexthop', r.nexthop, version);
    }
  }
}

export function networkForChild(view: ReadView, caller: Caller, networkId: string): Network {
  const net = view.get('network', networkId);
  if (!net || !canSeeNetwork(view, net, caller)) throw networkNotFound(networkId);
  return net;
}

/** The pool a subnet request names, directly or as its family's default (Neutron's _get_subnetpool_id). */
function requestedPool(view: ReadView, ctx: PluginContext, v: SubnetCreate): SubnetPool | null {
  const named = v.subnetpool_id ?? null;
  if (v.use_default_subnetpool === true && named !== null) {
    throw badRequest('subnets', 'subnetpool_id and use_default_subnetpool cannot both be specified');
  }
  if (named !== null) return visiblePool(view, ctx.caller, named);
  if (v.use_default_subnetpool !== true) return null;
  const version = v.cidr !== undefined ? mustParseCidr(v.cidr).version : v.ip_version;
  const pool = defaultPool(view, ctx.caller, version);
  if (!pool) throw badRequest('subnets', `No default subnetpool found for IPv${version}`);
  return pool;
}

/**
 * The subnet's cidr, and whether it came from a pool by size only: such a subnet's default
 * gateway is its first address after the network address in both families (subnet_alloc.py),
 * where a cidr given explicitly follows Neutron's usual defaults.
 */
function subnetCidrOf(view: ReadView, v: SubnetCreate, pool: SubnetPool | null, projectId: string) {
  const version = v.ip_version;
  if (pool === null) {
    if (v.cidr === undefined) throw badRequest('subnets', 'a subnetpool must be specified in the absence of a cidr');
    return { cidr: mustParseCidr(v.cidr), sized: false };
  }
  if (v.cidr === undefined && v.allocation_pools !== undefined) {
    throw badRequest('subnets', 'allocation_pools allowed only for specific subnet requests.');
  }
  if (version !== pool.ip_version) {
    throw badRequest('subnets', `Cannot allocate IPv${version} subnet from IPv${pool.ip_version} subnet pool`);
  }
  let wanted = v.cidr === undefined ? null : mustParseCidr(v.cidr);
  const prefixlen = v.prefixlen ?? null;
  if (wanted === null && typeof v.gateway_ip === 'string') {
    // A gateway alone names the subnet around it (Neutron's SubnetRequestFactory).
    wanted = mustParseCidr(`${v.gateway_ip}/${prefixlen ?? pool.default_prefixlen}`);
  }
  const cidr = allocateSubnet(view, pool, { cidr: wanted, prefixlen, projectId });
  return { cidr, sized: wanted === null };
}

export function createSubnet(tx: WriteTx, ctx: PluginContext, v: SubnetCreate, projectId: string): Subnet {
  const net = networkForChild(tx, ctx.caller, v.network_id);
  const version = v.ip_version;
  const pool = requestedPool(tx, ctx, v);
  const { cidr, sized } = subnetCidrOf(tx, v, pool, projectId);
  const cidrText = formatCidr(cidr);
  const id = ctx.newId();
  if (cidr.version !== version) throw invalidInput(`Invalid CIDR ${cidrText} for IP version ${version}`);
  if (cidr.prefixLength === 0) throw invalidInput(`Invalid CIDR ${cidrText}: a subnet may not cover the whole address space`);
  checkNetworkPools(tx, net.id, version, pool);
  const ra = v.ipv6_ra_mode;
  const addrMode = v.ipv6_address_mode;
  checkIpv6Modes(version, cidr.prefixLength, ra, addrMode, v.enable_dhcp);
  const gateway =
    v.gateway_ip === undefined || (sized && v.gateway_ip === null)
      ? sized
        ? formatIp({ version, value: cidr.network + 1n })
        : defaultGateway(cidr)
      : v.gateway_ip;
  if (gateway !== null) checkGateway(cidrText, version, gateway);
  let pools: AllocationPool[];
  if (v.allocation_pools === undefined) {
    pools = defaultPools(cidr, gateway);
  } else {
    pools = validatePools(cidrText, v.allocation_pools);
    if (gateway !== null) ensureGatewayOutsidePools(gateway, pools);
  }
  checkOptions(ctx, id, version, v.dns_nameservers, v.host_routes);
  for (const other of tx.by('subnet', 'network', net.id)) {
    if (cidrsOverlap(mustParseCidr(other.cidr), cidr)) {
      throw invalidInput(`Requested subnet with cidr: ${cidrText} for network: ${net.id} overlaps with another subnet`);
    }
  }
  const subnet = tx.put('subnet', {
    ...newStandardAttributes(id, projectId, v),
    network_id: net.id,
    ip_version: version,
    cidr: cidrText,
    gateway_ip: gateway,
    allocation_pools: pools,
    dns_nameservers: v.dns_nameservers,
    host_routes: v.host_routes,
    enable_dhcp: v.enable_dhcp,
    ipv6_ra_mode: ra,
    ipv6_address_mode: addrMode,
    subnetpool_id: pool?.id ?? null,
    segment_id: null,
    service_types: v.service_types,
  });
  if (isAutoAddressSubnet(subnet)) addAutoAddresses(tx, subnet);
  revise(tx, 'network', net.id);
  return subnet;
}

/** SLAAC subnets give every (non-router) port of the network its EUI-64 address, as Neutron does. */
function addAutoAddresses(tx: WriteTx, subnet: Subnet): void {
  const cidr = mustParseCidr(subnet.cidr);
  for (const port of tx.by('port', 'network', subnet.network_id)) {
    if (isRouterOwner(port.device_owner)) continue;
    const ip = eui64Address(cidr, port.mac_address);
    tx.put('port', { ...port, fixed_ips: [...port.fixed_ips, { subnet_id: subnet.id, ip_address: ip }] });
  }
}

export function updateSubnet(tx: WriteTx, ctx: PluginContext, subnet: Subnet, v: SubnetUpdate): Subnet {
  const version = subnet.ip_version;
  const gateway = v.gateway_ip === undefined ? subnet.gateway_ip : v.gateway_ip;
  // Like Neutron, only a new gateway address is checked: `null` (no gateway) is always accepted.
  if (v.gateway_ip !== undefined && gateway !== subnet.gateway_ip && gateway !== null) {
    checkGateway(subnet.cidr, version, gateway);
    const holder = subnet.gateway_ip
      ? tx
          .by('port', 'subnet', subnet.id)
          .find((p) => isRouterOwner(p.device_owner) && p.fixed_ips.some((f) => f.ip_address === subnet.gateway_ip))
      : undefined;
    if (holder) {
      throw new QuarkError(
        'GatewayIpInUse',
        `Current gateway ip ${subnet.gateway_ip} already in use by port ${holder.id}. Unable to update.`,
      );
    }
  }
  const pools = v.allocation_pools === undefined ? subnet.allocation_pools : validatePools(subnet.cidr, v.allocation_pools);
  if (gateway !== null && (v.gateway_ip !== undefined || v.allocation_pools !== undefined))
    ensureGatewayOutsidePools(gateway, pools);
  checkOptions(ctx, subnet.id, version, v.dns_nameservers, v.host_routes);
  const enableDhcp = v.enable_dhcp ?? subnet.enable_dhcp;
  if (!enableDhcp && (subnet.ipv6_ra_mode !== null || subnet.ipv6_address_mode !== null)) {
    throw invalidInput('ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False');
  }
  if (v.allocation_pools !== undefined) ctx.addresses.forget(subnet.id);
  revise(tx, 'network', subnet.network_id);
  return tx.put('subnet', { ...subnet, ...v, gateway_ip: gateway, allocation_pools: pools });
}

/** Removes a subnet record and the addresses auto-assigned from it; callers checked it is unused. */
export function deleteSubnetRecord(tx: WriteTx, subnet: Subnet): void {
  for (const port of tx.by('port', 'subnet', subnet.id)) {
    tx.put('port', { ...port, fixed_ips: port.fixed_ips.filter((f) => f.subnet_id !== subnet.id) });
  }
  revise(tx, 'network', subnet.network_id);
  tx.delete('subnet', subnet.id);
}

export function deleteSubnet(tx: WriteTx, ctx: PluginContext, subnet: Subnet): void {
  const auto = isAutoAddressSubnet(subnet);
  const blocking = tx
    .by('port', 'subnet', subnet.id)
    .some((p) => p.device_owner !== DeviceOwner.dhcp && (!auto || isRouterOwner(p.device_owner)));
  if (blocking) {
    throw new QuarkError(
      'SubnetInUse',
      `Unable to complete operation on subnet ${subnet.id}: One or more ports have an IP allocation from this subnet.`,
    );
  }
  ctx.addresses.forget(subnet.id);
  deleteSubnetRecord(tx, subnet);
}

export const subnetHandler: HandlerSpec<'subnet', SubnetCreate, SubnetUpdate> = {
  kind: 'subnet',
  path: 'subnets',
  quota: 'subnet',
  notFound: subnetNotFound,
  target: (view, s) => {
    const net = view.get('network', s.network_id);
    const access = net ? networkAccess(view, net) : null;
    return {
      projectId: s.project_id,
      networkProjectId: net?.project_id ?? '',
      shared: net?.shared ?? false,
      sharedWith: access?.sharedWith,
    };
  },
  // get_subnet: the project's subnets and those on networks it owns or that are shared with it.
  visibleTo: (view, projectId) => [
    ...view.by('subnet', 'project', projectId),
    ...networksVisibleTo(view, projectId).flatMap((n) => view.by('subnet', 'network', n.id)),
  ],
  createTarget: (view, ctx, v, projectId) => {
    const net = networkForChild(view, ctx.caller, v.network_id);
    return { projectId, networkProjectId: net.project_id, shared: net.shared, sharedWith: networkAccess(view, net).sharedWith };
  },
  create: createSubnet,
  update: updateSubnet,
  delete: deleteSubnet,
  // `?shared=true|false`: the subnet's network is shared (Neutron's hidden subnet attribute).
  filter: (s, name, values, view, caller) => {
    if (name !== 'shared') return true;
    const shared = sharedWith(view, 'network', s.network_id, caller.projectId);
    return values.some((v) => bool(v, name) === shared);
  },
};
