/**
 * Rules of the `local_ip` and `port_association` resources (Neutron's local_ip_db.py, measured
 * on Neutron 21). A local IP takes its address from a port: one given (`local_port_id`, one of its
 * addresses), or one it makes on `network_id` (device_owner `network:local_ip`, of the local
 * IP's project, deleted with it). Only its name and description change. It cannot be deleted
 * while ports are associated (LocalIPInUse), nor its port through the port API
 * (ServicePortInUse). An association names a port and one of its addresses; it goes with the
 * port. Where Neutron answers 500 (an association that exists, a port that does not), Quark
 * answers 400 or 409.
 */
import type { LocalIpAssociationCreate, LocalIpCreate, LocalIpUpdate } from '../../model/api/values.js';
import { QuarkError, badRequest } from '../../model/errors.js';
import { DeviceOwner, type FixedIp, type LocalIp, type LocalIpAssociation, type Port } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import { allowed } from '../policy.js';
import type { PluginContext } from './context.js';
import { createServicePort } from './service-ports.js';

export const localIpNotFound = (id: string) => new QuarkError('LocalIPNotFound', `Local IP ${id} could not be found.`);

/** Associations are stored as `<local ip id>:<fixed port id>` and named by the port in URLs. */
export const associationId = (localIpId: string, portId: string) => `${localIpId}:${portId}`;

export const associationNotFound = (id: string) => {
  const [localIpId, portId] = id.includes(':') ? id.split(':') : ['', id];
  return new QuarkError(
    'LocalIPAssociationNotFound',
    `Local IP ${localIpId} association with port ${portId} could not be found.`,
  );
};

/** Neutron's _get_local_ip_address: the port's one address, or the requested one of several. */
function addressOf(port: Port, requested: string | null): FixedIp {
  const ips = port.fixed_ips;
  if (ips.length === 0) throw new QuarkError('LocalIPNoIP', `Specified Port ${port.id} has no fixed IPs configured.`);
  const found = requested === null ? (ips.length === 1 ? ips[0] : undefined) : ips.find((f) => f.ip_address === requested);
  if (found) return found;
  if (requested !== null) {
    throw new QuarkError(
      'LocalIPRequestedIPNotFound',
      `Specified Port ${port.id} does not have requested IP address: ${requested}.`,
    );
  }
  throw new QuarkError(
    'LocalIPNoRequestedIP',
    `Specified Port ${port.id} has several IPs, should specify exact IP address to use for Local IP.`,
  );
}

/** A port the caller may see (Neutron looks it up with the caller's context), or null. */
function visiblePort(view: ReadView, ctx: PluginContext, id: string): Port | null {
  const port = view.get('port', id);
  const network = port && view.get('network', port.network_id);
  if (!port || !allowed('get_port', ctx.caller, { projectId: port.project_id, networkProjectId: network?.project_id ?? '' })) {
    return null;
  }
  return port;
}

export function createLocalIp(tx: WriteTx, ctx: PluginContext, v: LocalIpCreate, projectId: string): LocalIp {
  const id = ctx.newId();
  const requested = v.local_ip_address ?? null;
  let port: Port;
  let address: string;
  if (v.local_port_id !== undefined) {
    const found = visiblePort(tx, ctx, v.local_port_id);
    if (!found) throw badRequest('local_ip', `Port ${v.local_port_id} not found`);
    port = found;
    address = addressOf(port, requested).ip_address;
  } else if (v.network_id !== undefined) {
    // Neutron looks the network up with the caller's context: another project's private network is not found.
    const network = tx.get('network', v.network_id);
    const visible =
      network &&
      allowed('get_network', ctx.caller, {
        projectId: network.project_id,
        shared: network.shared,
        external: network['router:external'],
      });
    if (!network || !visible) throw new QuarkError('NetworkNotFound', `Network ${v.network_id} could not be found.`);
    if (!tx.by('subnet', 'network', network.id).some((s) => s.ip_version === 4)) {
      throw badRequest('local_ip', `Network ${network.id} does not contain any IPv4 subnet`);
    }
    port = createServicePort(tx, ctx, {
      network,
      projectId,
      owner: DeviceOwner.localIp,
      deviceId: id,
      status: 'N/A',
      fixedIps: requested === null ? undefined : [{ ip_address: requested }],
    });
    address = port.fixed_ips[0]!.ip_address;
  } else {
    throw new QuarkError('LocalIPPortOrNetworkRequired', 'Either Port ID or Network ID must be specified for Local IP create.');
  }
  return tx.put('local_ip', {
    id,
    project_id: projectId,
    name: v.name,
    description: v.description,
    local_port_id: port.id,
    network_id: port.network_id,
    local_ip_address: address,
    ip_mode: v.ip_mode,
    created_at: '',
    updated_at: '',
    revision_number: 0,
  });
}

export function deleteLocalIp(tx: WriteTx, lip: LocalIp): void {
  if (tx.count('local_ip_association', 'localIp', lip.id) > 0) {
    throw new QuarkError('LocalIPInUse', `Local IP ${lip.id} is still associated with one or more ports.`);
  }
  tx.delete('local_ip', lip.id);
  const port = tx.get('port', lip.local_port_id);
  if (port?.device_owner === DeviceOwner.localIp) tx.delete('port', port.id);
}

/** A port that holds a local IP's address is not deleted through the port API (Neutron's _prevent_local_port_delete_callback). */
export function preventLocalPortDeletion(view: ReadView, port: Port): void {
  if (view.count('local_ip', 'port', port.id) > 0) {
    throw new QuarkError(
      'ServicePortInUse',
      `Port ${port.id} cannot be deleted directly via the port API: still referenced by Local IPs.`,
    );
  }
}

/** A port that goes takes its associations with it (Neutron's foreign key cascades). */
export function deleteAssociationsOf(tx: WriteTx, portId: string): void {
  for (const a of tx.by('local_ip_association', 'fixedPort', portId)) tx.delete('local_ip_association', a.id);
}

function createAssociation(tx: WriteTx, ctx: PluginContext, v: LocalIpAssociationCreate): LocalIpAssociation {
  const lip = tx.get('local_ip', v.local_ip_id)!;
  const portId = v.fixed_port_id;
  const port = visiblePort(tx, ctx, portId);
  if (!port) throw badRequest('local_ip_port_association', `Port ${portId} not found`);
  const fixed = addressOf(port, v.fixed_ip ?? null);
  const id = associationId(lip.id, port.id);
  if (tx.get('local_ip_association', id)) {
    throw new QuarkError('Conflict', `Local IP ${lip.id} association with port ${port.id} already exists.`);
  }
  return tx.put('local_ip_association', {
    id,
    local_ip_id: lip.id,
    project_id: lip.project_id,
    fixed_port_id: port.id,
    fixed_ip: fixed.ip_address,
  });
}

const noUpdate = (): never => {
  throw new QuarkError('NotImplementedError', 'Local IP port associations cannot be updated.');
};

export const localIpHandler: HandlerSpec<'local_ip', LocalIpCreate, LocalIpUpdate> = {
  kind: 'local_ip',
  path: 'local_ips',
  notFound: localIpNotFound,
  target: (_view, l) => ({ projectId: l.project_id }),
  create: createLocalIp,
  update: (tx, _ctx, lip, v) => tx.put('local_ip', { ...lip, ...v }),
  delete: (tx, _ctx, lip) => deleteLocalIp(tx, lip),
};

export const localIpAssociationHandler: HandlerSpec<'local_ip_association', LocalIpAssociationCreate> = {
  kind: 'local_ip_association',
  path: 'local_ips/:local_ip_id/port_associations',
  notFound: associationNotFound,
  parent: {
    kind: 'local_ip',
    index: 'localIp',
    of: (a) => a.local_ip_id,
    list: 'empty',
    member: 'record',
    key: associationId,
  },
  target: (view, a) => ({ projectId: view.get('local_ip', a.local_ip_id)?.project_id ?? a.project_id }),
  createTarget: (view, _ctx, v, projectId) => ({
    projectId: view.get('local_ip', v.local_ip_id)?.project_id ?? projectId,
  }),
  derived: (view, a) => {
    const port = view.get('port', a.fixed_port_id);
    return {
      local_ip_address: view.get('local_ip', a.local_ip_id)?.local_ip_address,
      host: port?.['binding:host_id'] ?? '',
    };
  },
  create: (tx, ctx, v) => createAssociation(tx, ctx, v),
  update: noUpdate,
  delete: (tx, _ctx, a) => tx.delete('local_ip_association', a.id),
};
