/**
 * Rules of the `log` resource (Neutron's logapi: logging_plugin.py and common/sg_validate.py):
 * only `security_group` logs; `resource_id` must name a security group (ResourceNotFound),
 * `target_id` a port (TargetResourceNotFound) that a Quark agent can log, and with both the
 * port must be in the group (InvalidResourceConstraint). Deleting a security group or a port
 * deletes the enabled logs that name it, as Neutron's _clean_logs does.
 */
import type { NetworkLogCreate, NetworkLogUpdate } from '../../model/api/values.js';
import { LOGGABLE_TYPES } from '../../model/api/extensions/logging.js';
import { QuarkError } from '../../model/errors.js';
import type { NetworkLog } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { HandlerSpec } from '../api/resource.js';

export const logNotFound = (id: string) => new QuarkError('LogResourceNotFound', `Log resource ${id} could not be found.`);

function checkLog(tx: WriteTx, v: NetworkLogCreate): void {
  const type = v.resource_type;
  if (!(LOGGABLE_TYPES as readonly string[]).includes(type)) {
    throw new QuarkError('InvalidLogResourceType', `Invalid log resource_type: ${type}.`);
  }
  const groupId = v.resource_id;
  const portId = v.target_id;
  if (groupId !== null && !tx.get('security_group', groupId)) {
    throw new QuarkError('ResourceNotFound', `Resource ${groupId} could not be found.`);
  }
  if (portId === null) return;
  const port = tx.get('port', portId);
  if (!port) throw new QuarkError('TargetResourceNotFound', `Target resource ${portId} could not be found.`);
  // Quark's agents filter (and so log) the normal VIFs of instances, as Neutron's OVS log driver.
  if (port['binding:vnic_type'] !== 'normal' || port.device_owner.startsWith('network:')) {
    throw new QuarkError('LoggingTypeNotSupported', `Logging type security_group is not supported on port ${portId}.`);
  }
  if (groupId !== null && !port.security_groups.includes(groupId)) {
    throw new QuarkError(
      'InvalidResourceConstraint',
      `Invalid resource constraint between resource (security_group ${groupId}) and target resource (port ${portId}).`,
    );
  }
}

/** Deletes the enabled logs of a security group or of a port that is going away. */
export function deleteLogsOf(tx: WriteTx, by: { securityGroup?: string; port?: string }): void {
  const logs = [
    ...(by.securityGroup ? tx.by('log', 'resource', by.securityGroup) : []),
    ...(by.port ? tx.by('log', 'target', by.port) : []),
  ];
  for (const log of logs) if (log.enabled) tx.delete('log', log.id);
}

export const networkLogHandler: HandlerSpec<'log', NetworkLogCreate, NetworkLogUpdate> = {
  kind: 'log',
  path: 'log/logs',
  notFound: logNotFound,
  target: (_view, l) => ({ projectId: l.project_id }),
  create: (tx, ctx, v, projectId) => {
    checkLog(tx, v);
    return tx.put('log', {
      id: ctx.newId(),
      project_id: projectId,
      name: v.name,
      description: v.description,
      resource_type: 'security_group',
      resource_id: v.resource_id,
      target_id: v.target_id,
      event: v.event,
      enabled: v.enabled,
      created_at: '',
      updated_at: '',
      revision_number: 0,
    });
  },
  update: (tx, _ctx, log, v) => tx.put('log', { ...log, ...v }),
  delete: (tx, _ctx, log) => tx.delete('log', log.id),
};
