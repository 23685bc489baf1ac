/**
 * A port's security groups and allowed address pairs under port security, as ML2 with the
 * security-group and port-security extensions decides them:
 * - `network:*` ports (DHCP, router, floating IP) are trusted and never have groups;
 * - a port with port security gets its project's default group when the request names none;
 * - without port security a port has no groups and no address pairs; asking for some is a 400,
 *   and turning port security off while the port keeps groups or pairs is refused;
 * - named groups must exist and belong to the port's project or be shared with it by an RBAC
 *   policy (an admin may name any).
 */
import { QuarkError } from '../../model/errors.js';
import { type Port, isNetworkOwned } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { PluginContext } from './context.js';
import { securityGroupNotFound } from './not-found.js';
import { sharedWith } from './rbac-access.js';
import { ensureDefaultSecurityGroup } from './security-groups.js';

const groupsNeedPortSecurity = () =>
  new QuarkError(
    'PortSecurityAndIPRequiredForSecurityGroups',
    'Port security must be enabled and port must have an IP address in order to use security groups.',
  );

function checkGroups(tx: WriteTx, ctx: PluginContext, projectId: string, ids: readonly string[]): void {
  const missing = ids.filter((id) => {
    const g = tx.get('security_group', id);
    return !g || !(ctx.caller.isAdmin || g.project_id === projectId || sharedWith(tx, 'security_group', g.id, projectId));
  });
  if (missing.length > 0) throw securityGroupNotFound(missing.join(', '));
  // A port's groups are all stateful or all stateless (Neutron's _validate_sgs_for_port).
  if (new Set(ids.map((id) => tx.get('security_group', id)!.stateful !== false)).size > 1) {
    throw new QuarkError(
      'SecurityGroupConflict',
      'Error Cannot apply both stateful and stateless security groups on the same port at the same time while attempting the operation.',
    );
  }
}

function checkAddressPairs(port: Pick<Port, 'port_security_enabled' | 'allowed_address_pairs'>): void {
  if (!port.port_security_enabled && port.allowed_address_pairs.length > 0) {
    throw new QuarkError(
      'AddressPairAndPortSecurityRequired',
      'Port Security must be enabled in order to have allowed address pairs on a port.',
    );
  }
}

/** The groups of a port being created; `requested` undefined means the request named none. */
export function securityGroupsOnCreate(
  tx: WriteTx,
  ctx: PluginContext,
  port: Pick<Port, 'project_id' | 'device_owner' | 'port_security_enabled' | 'allowed_address_pairs'>,
  requested: readonly string[] | undefined,
): string[] {
  checkAddressPairs(port);
  if (isNetworkOwned(port)) return [];
  if (!port.port_security_enabled) {
    if (requested && requested.length > 0) throw groupsNeedPortSecurity();
    return [];
  }
  if (requested === undefined) return [ensureDefaultSecurityGroup(tx, ctx, port.project_id).id];
  checkGroups(tx, ctx, port.project_id, requested);
  return [...requested];
}

/** The groups of a port after an update (`next` holds the other updated attributes). */
export function securityGroupsOnUpdate(
  tx: WriteTx,
  ctx: PluginContext,
  current: Port,
  next: Pick<Port, 'device_owner' | 'port_security_enabled' | 'allowed_address_pairs'>,
  requested: readonly string[] | undefined,
): string[] {
  checkAddressPairs(next);
  if (isNetworkOwned(next)) return [];
  if (!next.port_security_enabled) {
    if (requested && requested.length > 0) throw groupsNeedPortSecurity();
    if (requested === undefined && current.security_groups.length > 0) {
      throw new QuarkError(
        'PortSecurityPortHasSecurityGroup',
        'Port has security group associated. Cannot disable port security or ip address until security group is removed',
      );
    }
    return [];
  }
  if (requested === undefined) return [...current.security_groups];
  checkGroups(tx, ctx, current.project_id, requested);
  return [...requested];
}
