/**
 * Rules of the `trunk` resource and its subport actions, as Neutron 21's trunk plugin
 * (neutron/services/trunk/plugin.py, rules.py) with its Open vSwitch driver, measured on
 * Neutron 21 (docs/trunks.md):
 *
 * - A parent port is neither a subport nor another trunk's parent, and is not bound yet: the OVS
 *   driver cannot trunk a bound port (`can_trunk_bound_port` False), so a trunk is made before
 *   the instance is plugged (ParentPortInUse), and cannot be deleted while its parent is bound
 *   (TrunkInUse).
 * - A subport is not the parent, not in a trunk, not used by a device (PortInUse), has a `vlan`
 *   segmentation id 1–4094 unique on the trunk (DuplicateSubPort), and its network's MTU is not
 *   above the parent's.
 * - A disabled trunk (admin_state_up false) refuses subport changes and deletion (TrunkDisabled).
 * - A port in a trunk cannot be deleted (PortInUseAsTrunkParent, PortInUseAsSubPort).
 *
 * Subports are bound where their parent is, with device_owner `trunk:subport`, as Neutron's
 * trunk RPC server does once the OVS agent asks (rpc/server.py, _handle_port_binding); Quark
 * binds them in the same transaction as the change that makes the parent bound or adds the
 * subport, and unbinds a subport that leaves its trunk so no host keeps wiring it.
 */
import type { TrunkCreate, TrunkUpdate } from '../../model/api/values.js';
import { QuarkError, invalidInput } from '../../model/errors.js';
import type { Port } from '../../model/resources.js';
import {
  SEGMENTATION_TYPE_INHERIT,
  type SubPort,
  type SubPortRequest,
  TRUNK_SUBPORT_OWNER,
  type Trunk,
  isValidVlanTag,
  validateSubports,
} from '../../model/trunk.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import { allowed } from '../policy.js';
import type { PluginContext } from './context.js';
import { portNotFound } from './not-found.js';
import { bindingFor } from './port-binding.js';
import { newStandardAttributes } from './standard-attributes.js';

export const trunkNotFound = (id: string) => new QuarkError('TrunkNotFound', `Trunk ${id} could not be found.`);

const parentPortInUse = (portId: string) =>
  new QuarkError('ParentPortInUse', `Port ${portId} is currently in use and is not eligible for use as a parent port.`);

/** A port the caller may see, as Neutron's core_plugin.get_port with the caller's context; else PortNotFound. */
function visiblePort(view: ReadView, ctx: PluginContext, id: string): Port {
  const port = view.get('port', id);
  const network = port && view.get('network', port.network_id);
  if (!port || !allowed('get_port', ctx.caller, { projectId: port.project_id, networkProjectId: network?.project_id ?? '' })) {
    throw portNotFound(id);
  }
  return port;
}

/** TrunkPortValidator.validate: the port is in no trunk yet; a parent is not bound, a subport not used by a device. */
function checkTrunkable(view: ReadView, ctx: PluginContext, portId: string, asParent: boolean): void {
  // Neutron looks trunks up with the caller's context, so another project's port is not found
  // before anything about its trunks is said.
  const port = visiblePort(view, ctx, portId);
  if (view.count('trunk', 'subport', portId) > 0) {
    throw new QuarkError('TrunkPortInUse', `Port ${portId} is in use by another trunk.`);
  }
  if (view.count('trunk', 'port', portId) > 0) throw parentPortInUse(portId);
  if (asParent && port['binding:host_id'] !== '') throw parentPortInUse(portId);
  if (!asParent && port.device_id !== '') {
    throw new QuarkError(
      'PortInUse',
      `Unable to complete operation on port ${port.id} for network ${port.network_id}. Port already has an attached device ${port.device_id}.`,
    );
  }
}

const mtuOfPort = (view: ReadView, portId: string): number | undefined => {
  const port = view.get('port', portId);
  return port ? view.get('network', port.network_id)?.mtu : undefined;
};

/**
 * SubPortsValidator.validate (rules.py) for subports that passed validateSubports: in Neutron's
 * order, the checks of each subport, then whether its port may be trunked at all.
 */
function checkSubports(view: ReadView, ctx: PluginContext, requests: readonly SubPortRequest[], parentId: string): SubPort[] {
  const parentMtu = mtuOfPort(view, parentId);
  return requests.map((r) => {
    const port = view.get('port', r.port_id);
    const network = port ? view.get('network', port.network_id) : undefined;
    let type = r.segmentation_type;
    let segId = r.segmentation_id;
    if (type === SEGMENTATION_TYPE_INHERIT && network) {
      // _prepare_subports: the network's own segmentation, looked up with an elevated context.
      type = network['provider:network_type'];
      segId = network['provider:segmentation_id'];
    }
    if (r.port_id === parentId) throw parentPortInUse(r.port_id);
    const subMtu = network?.mtu;
    if (parentMtu !== undefined && subMtu !== undefined && subMtu > parentMtu) {
      throw new QuarkError(
        'SubPortMtuGreaterThanTrunkPortMtu',
        `MTU ${subMtu} of subport ${r.port_id} cannot be greater than MTU ${parentMtu} of trunk ${parentId}.`,
      );
    }
    if (type === undefined || segId === undefined) {
      throw invalidInput(
        `Invalid subport details '${r.repr}': missing segmentation information. Must specify both segmentation_id and segmentation_type`,
      );
    }
    const id =
      typeof segId === 'number'
        ? segId
        : typeof segId === 'string' && /^\s*[-+]?\d+\s*$/.test(segId)
          ? Number(segId)
          : Number.NaN;
    if (!Number.isInteger(id)) {
      throw invalidInput(`Invalid subport details: segmentation_id '${String(segId)}' is not an integer`);
    }
    if (type !== 'vlan') throw invalidInput(`Unknown segmentation_type '${String(type)}'`);
    if (!isValidVlanTag(id)) throw invalidInput(`Segmentation ID '${id}' is not in range`);
    checkTrunkable(view, ctx, r.port_id, false);
    return { port_id: r.port_id, segmentation_type: 'vlan', segmentation_id: id };
  });
}

/** The DB's unique (trunk, segmentation type, segmentation id) constraint, as Neutron's SubPort object reports it. */
function checkUniqueSegmentation(trunkId: string, present: readonly SubPort[], added: readonly SubPort[]): void {
  const used = new Set(present.map((s) => `${s.segmentation_type} ${s.segmentation_id}`));
  for (const s of added) {
    const key = `${s.segmentation_type} ${s.segmentation_id}`;
    if (used.has(key)) {
      throw new QuarkError(
        'DuplicateSubPort',
        `segmentation_type ${s.segmentation_type} and segmentation_id ${s.segmentation_id} already in use on trunk ${trunkId}.`,
      );
    }
    used.add(key);
  }
}

/** rules.trunk_can_be_managed */
function checkManageable(trunk: Trunk): void {
  if (!trunk.admin_state_up) throw new QuarkError('TrunkDisabled', `Trunk ${trunk.id} is currently disabled.`);
}

/**
 * A subport's binding follows its parent's: bound to the parent's host with device_owner
 * `trunk:subport`, or, when it leaves the trunk or the parent is unbound, unbound.
 */
function bindSubport(tx: WriteTx, ctx: PluginContext, portId: string, host: string, owner: string): void {
  const port = tx.get('port', portId);
  if (!port || (port['binding:host_id'] === host && port.device_owner === owner)) return;
  tx.put('port', {
    ...port,
    'binding:host_id': host,
    device_owner: owner,
    ...bindingFor(tx, { 'binding:host_id': host, network_id: port.network_id, id: port.id }, tx.now, ctx.config.agentDownTime),
    status: 'DOWN',
  });
}

/** Called after a port changed: when it is a trunk's parent, its subports follow its host. */
export function followParentBinding(tx: WriteTx, ctx: PluginContext, parent: Port): void {
  const trunk = tx.by('trunk', 'port', parent.id)[0];
  if (!trunk) return;
  const host = parent['binding:host_id'];
  for (const s of trunk.sub_ports) bindSubport(tx, ctx, s.port_id, host, host === '' ? '' : TRUNK_SUBPORT_OWNER);
}

/** enforce_port_deletion_rules: a port in a trunk is not deleted. */
export function preventTrunkPortDeletion(view: ReadView, port: Port): void {
  const asSub = view.by('trunk', 'subport', port.id)[0];
  if (asSub) {
    throw new QuarkError('PortInUseAsSubPort', `Port ${port.id} is currently a subport for trunk ${asSub.id}.`);
  }
  const asParent = view.by('trunk', 'port', port.id)[0];
  if (asParent) {
    throw new QuarkError('PortInUseAsTrunkParent', `Port ${port.id} is currently a parent port for trunk ${asParent.id}.`);
  }
}

/** The request's `sub_ports` checked as neutron-lib's validate_subports, as an action's body is (InvalidInput). */
function subportsOfAction(body: unknown): SubPortRequest[] {
  // Neutron answers a body without `sub_ports` with a 500 (measured); Quark with a 400.
  const raw = typeof body === 'object' && body !== null ? (body as { sub_ports?: unknown }).sub_ports : undefined;
  if (raw === undefined) throw new QuarkError('HTTPBadRequest', "Unable to find 'sub_ports' in request body");
  const checked = validateSubports(raw);
  if (typeof checked === 'string') throw invalidInput(checked);
  return checked;
}

export function addSubports(tx: WriteTx, ctx: PluginContext, trunk: Trunk, body: unknown): Trunk {
  const added = checkSubports(tx, ctx, subportsOfAction(body), trunk.port_id);
  checkManageable(trunk);
  if (trunk.status === 'ERROR') {
    throw new QuarkError(
      'TrunkInErrorState',
      `Trunk ${trunk.id} is in error state. Attempt to resolve the error condition before proceeding.`,
    );
  }
  checkUniqueSegmentation(trunk.id, trunk.sub_ports, added);
  const host = tx.get('port', trunk.port_id)?.['binding:host_id'] ?? '';
  if (host !== '') for (const s of added) bindSubport(tx, ctx, s.port_id, host, TRUNK_SUBPORT_OWNER);
  return tx.put('trunk', { ...trunk, status: 'DOWN', sub_ports: [...trunk.sub_ports, ...added] });
}

export function removeSubports(tx: WriteTx, ctx: PluginContext, trunk: Trunk, body: unknown): Trunk {
  checkManageable(trunk);
  const requests = subportsOfAction(body);
  const remaining = new Map(trunk.sub_ports.map((s) => [s.port_id, s]));
  for (const r of requests) {
    if (!remaining.delete(r.port_id)) {
      throw new QuarkError('SubPortNotFound', `SubPort ${r.port_id} on trunk ${trunk.id} could not be found.`);
    }
    bindSubport(tx, ctx, r.port_id, '', '');
  }
  return tx.put('trunk', { ...trunk, status: 'DOWN', sub_ports: [...remaining.values()] });
}

function createTrunk(tx: WriteTx, ctx: PluginContext, v: TrunkCreate, projectId: string): Trunk {
  const parentId = v.port_id;
  checkTrunkable(tx, ctx, parentId, true);
  const subPorts = checkSubports(tx, ctx, validateSubports(v.sub_ports) as SubPortRequest[], parentId);
  const id = ctx.newId();
  checkUniqueSegmentation(id, [], subPorts);
  return tx.put('trunk', {
    ...newStandardAttributes(id, projectId, v),
    admin_state_up: v.admin_state_up,
    port_id: parentId,
    status: 'DOWN',
    sub_ports: subPorts,
  });
}

function deleteTrunk(tx: WriteTx, ctx: PluginContext, trunk: Trunk): void {
  checkManageable(trunk);
  // The OVS driver cannot untrunk a bound parent (TrunkPortValidator.can_be_trunked_or_untrunked).
  if ((tx.get('port', trunk.port_id)?.['binding:host_id'] ?? '') !== '') {
    throw new QuarkError('TrunkInUse', `Trunk ${trunk.id} is currently in use.`);
  }
  for (const s of trunk.sub_ports) bindSubport(tx, ctx, s.port_id, '', '');
  tx.delete('trunk', trunk.id);
}

/** `trunk_details` of a port that is a trunk's parent (trunk-details), or null. */
export function trunkDetailsOf(view: ReadView, portId: string): Record<string, unknown> | null {
  const trunk = view.by('trunk', 'port', portId)[0];
  if (!trunk) return null;
  return {
    trunk_id: trunk.id,
    sub_ports: trunk.sub_ports.map((s) => ({
      segmentation_id: s.segmentation_id,
      segmentation_type: s.segmentation_type,
      port_id: s.port_id,
      mac_address: view.get('port', s.port_id)?.mac_address,
    })),
  };
}

/**
 * The trunk's status as its host's wiring shows it. Neutron's OVS agent reports BUILD, then
 * ACTIVE once it wired the parent and the subports (rpc/server.py update_trunk_status); Quark's
 * agent reports the ports it wired ACTIVE (the br-int ends of the patch pairs carry their
 * iface-ids), so a trunk whose parent is bound is ACTIVE when its parent and every subport are,
 * BUILD until then; a trunk whose parent is not bound is DOWN, as Neutron leaves it.
 */
export function trunkStatus(view: ReadView, trunk: Trunk): Trunk['status'] {
  const parent = view.get('port', trunk.port_id);
  if (!parent || parent['binding:host_id'] === '') return 'DOWN';
  const ports = [parent, ...trunk.sub_ports.map((s) => view.get('port', s.port_id))];
  return ports.every((p) => p?.status === 'ACTIVE') ? 'ACTIVE' : 'BUILD';
}

export const trunkHandler: HandlerSpec<'trunk', TrunkCreate, TrunkUpdate> = {
  kind: 'trunk',
  path: 'trunks',
  notFound: trunkNotFound,
  target: (_view, t) => ({ projectId: t.project_id }),
  visibleTo: (view, projectId) => view.by('trunk', 'project', projectId),
  derived: (view, t) => ({ status: trunkStatus(view, t) }),
  create: createTrunk,
  update: (tx, _ctx, trunk, v) => tx.put('trunk', { ...trunk, ...v }),
  delete: deleteTrunk,
};
