/**
 * HA routers, as Neutron's l3_hamode_db does them: every project with an HA router has one HA
 * network (`HA network tenant <project>`, owned by no project, with the subnet `l3HaNetCidr`
 * and no DHCP); each HA router has a VRRP router id on it (1–254, unique in the project); each
 * L3 agent that hosts the router has its own HA port on that network
 * (`network:router_ha_interface`, device_id the router), which carries the state the agent
 * reports (active or standby). The router's interfaces are `network:ha_router_replicated_interface`:
 * the same port on every hosting agent, bound to the active one.
 *
 * Differences from Neutron, and why: the VRRP id is the lowest free one, taken when the router
 * becomes HA (Neutron: an arbitrary free one, `available_vr_ids.pop()`, taken at scheduling), so
 * the same requests give the same ids; the agents make their HA ports themselves through the API,
 * as they make their DHCP ports, because Quark computes the scheduling instead of storing it
 * (docs/l3.md).
 */
import { QuarkError } from '../../model/errors.js';
import { haNetworkName, haSubnetName } from '../../model/names.js';
import { DeviceOwner, type HaState, type Network, type Port, type Router, isHaRouter } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import { makeCaller } from '../caller.js';
import type { PluginContext } from './context.js';
import { createNetwork, deleteNetwork } from './networks.js';
import { interfacePorts } from './router-ports.js';
import { createSubnet } from './subnets.js';

/** VRRP router ids Neutron hands out (neutron/db/l3_hamode_db.py VR_ID_RANGE). */
const MIN_VR_ID = 1;
const MAX_VR_ID = 254;

/** The project's HA network, if it has one (Neutron's ha_router_networks row). */
export function haNetworkOf(view: ReadView, projectId: string): Network | undefined {
  return view.by('network', 'project', '').find((n) => n.ha_project_id === projectId);
}

/** The HA ports of a router: one per L3 agent that hosts it, bound to that agent's host. */
export function haPortsOf(view: ReadView, routerId: string): Port[] {
  return view.by('port', 'device', routerId).filter((p) => p.device_owner === DeviceOwner.routerHaInterface);
}

/** The HA routers of a project. */
function haRoutersOf(view: ReadView, projectId: string): Router[] {
  return view.by('router', 'project', projectId).filter(isHaRouter);
}

/** As Neutron's `context.elevated()`: the HA network and subnet belong to no project. */
function elevated(ctx: PluginContext): PluginContext {
  return { ...ctx, caller: makeCaller(ctx.caller.projectId, ['admin', 'member', 'reader'], ctx.caller.userId) };
}

/** The project's HA network, made with its subnet when the project has none (Neutron's _create_ha_network). */
export function ensureHaNetwork(tx: WriteTx, ctx: PluginContext, projectId: string): Network {
  const existing = haNetworkOf(tx, projectId);
  if (existing) return existing;
  const admin = elevated(ctx);
  const created = createNetwork(
    tx,
    admin,
    {
      name: haNetworkName(projectId),
      description: '',
      admin_state_up: true,
      shared: false,
      'router:external': false,
      port_security_enabled: true,
      dns_domain: '',
      qos_policy_id: null,
      availability_zone_hints: [],
    },
    '',
  );
  const net = tx.put('network', { ...created, ha_project_id: projectId });
  createSubnet(
    tx,
    admin,
    {
      network_id: net.id,
      name: haSubnetName(projectId),
      description: '',
      ip_version: 4,
      cidr: ctx.config.l3HaNetCidr,
      gateway_ip: null,
      dns_nameservers: [],
      host_routes: [],
      enable_dhcp: false,
      ipv6_ra_mode: null,
      ipv6_address_mode: null,
      service_types: [],
      use_default_subnetpool: false,
    },
    '',
  );
  return net;
}

/** The lowest VRRP router id no other HA router of the project has. */
function allocateVrId(view: ReadView, projectId: string, routerId: string): number {
  const taken = new Set(haRoutersOf(view, projectId).map((r) => r.ha_vr_id ?? 0));
  for (let id = MIN_VR_ID; id <= MAX_VR_ID; id++) if (!taken.has(id)) return id;
  throw new QuarkError(
    'NoVRIDAvailable',
    `No more Virtual Router Identifier (VRID) available when creating router ${routerId}. The limit of number of HA Routers per tenant is 254.`,
  );
}

/** Makes a router HA: the project's HA network, a VRRP id, its interfaces replicated. */
export function enableHa(tx: WriteTx, ctx: PluginContext, router: Router): Router {
  ensureHaNetwork(tx, ctx, router.project_id);
  const vrId = allocateVrId(tx, router.project_id, router.id);
  for (const p of interfacePorts(tx, router.id)) tx.put('port', { ...p, device_owner: DeviceOwner.haRouterInterface });
  return tx.put('router', { ...router, ha: true, ha_vr_id: vrId });
}

/** Makes an HA router legacy again: its HA ports go, its interfaces are plain router interfaces. */
export function disableHa(tx: WriteTx, ctx: PluginContext, router: Router): Router {
  for (const p of haPortsOf(tx, router.id)) tx.delete('port', p.id);
  for (const p of interfacePorts(tx, router.id)) tx.put('port', { ...p, device_owner: DeviceOwner.routerInterface });
  const legacy = tx.put('router', { ...router, ha: false, ha_vr_id: 0 });
  dropUnusedHaNetwork(tx, ctx, router.project_id);
  return legacy;
}

/** Deletes the HA ports of a router that goes away (Neutron deletes them with the router). */
export function deleteHaPorts(tx: WriteTx, routerId: string): void {
  for (const p of haPortsOf(tx, routerId)) tx.delete('port', p.id);
}

/** Deletes the project's HA network once no HA router of the project is left (Neutron's safe_delete_ha_network). */
export function dropUnusedHaNetwork(tx: WriteTx, ctx: PluginContext, projectId: string): void {
  const net = haNetworkOf(tx, projectId);
  if (!net || haRoutersOf(tx, projectId).length > 0) return;
  if (tx.count('port', 'network', net.id) > 0) return; // in use: Neutron's NetworkInUse, silently kept
  deleteNetwork(tx, ctx, net);
}

/** The state an HA port says (a port no agent reported on yet is standby, as Neutron's binding starts). */
export const haStateOf = (port: Port): HaState => port.ha_state ?? 'standby';
