/**
 * Rules of the `conntrack_helper` resource (Neutron's conntrack_helper/plugin.py, measured on
 * Neutron 21): a router's helper names a kernel conntrack helper and a protocol it speaks from
 * the server's allowedConntrackHelpers (ConntrackHelperNotAllowed, InvalidProtocolForHelper); a
 * router has each (protocol, port, helper) once. Helpers go with their router.
 */
import type { ConntrackHelperCreate, ConntrackHelperUpdate } from '../../model/api/values.js';
import { QuarkError, badRequest } from '../../model/errors.js';
import type { ConntrackHelper, Router } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';
import type { PluginContext } from './context.js';

export const conntrackHelperNotFound = (id: string) =>
  new QuarkError('ConntrackHelperNotFound', `Conntrack Helper ${id} could not be found.`);

/** The protocols each allowed helper speaks, from `helper:protocol` entries. */
function constraints(allowed: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const entry of allowed) {
    const [helper, protocol] = entry.split(':') as [string, string];
    out.set(helper, [...(out.get(helper) ?? []), protocol]);
  }
  return out;
}

function checkAllowed(ctx: PluginContext, c: Pick<ConntrackHelper, 'helper' | 'protocol'>): void {
  const protocols = constraints(ctx.config.allowedConntrackHelpers).get(c.helper);
  if (!protocols) throw new QuarkError('ConntrackHelperNotAllowed', `Conntrack Helper ${c.helper} is not allowed.`);
  if (!protocols.includes(c.protocol)) {
    throw new QuarkError(
      'InvalidProtocolForHelper',
      `Conntrack Helper ${c.helper} does not support: ${c.protocol}. Supported protocols are: ${protocols.join(', ')}`,
    );
  }
}

function checkUnique(view: ReadView, c: ConntrackHelper): void {
  const twin = view
    .by('conntrack_helper', 'router', c.router_id)
    .some((o) => o.id !== c.id && o.protocol === c.protocol && o.port === c.port && o.helper === c.helper);
  if (!twin) return;
  throw badRequest(
    'conntrack_helper',
    `A duplicate conntrack helper entry with same attributes already exists, conflicting values are {'router_id': '${c.router_id}', 'protocol': '${c.protocol}', 'port': ${c.port}, 'helper': '${c.helper}'}`,
  );
}

/** A change of a router's helpers moves the router's revision (Neutron's revises_on_change). */
function touchRouter(tx: WriteTx, routerId: string): void {
  const router = tx.get('router', routerId);
  if (router) tx.put('router', router);
}

function save(tx: WriteTx, ctx: PluginContext, c: ConntrackHelper): ConntrackHelper {
  checkAllowed(ctx, c);
  checkUnique(tx, c);
  touchRouter(tx, c.router_id);
  return tx.put('conntrack_helper', c);
}

export function createConntrackHelper(tx: WriteTx, ctx: PluginContext, v: ConntrackHelperCreate): ConntrackHelper {
  const router = tx.get('router', v.router_id)!;
  return save(tx, ctx, {
    id: ctx.newId(),
    router_id: router.id,
    project_id: router.project_id,
    protocol: v.protocol as ConntrackHelper['protocol'],
    port: v.port,
    helper: v.helper,
  });
}

/** Deletes what a router that is going away has of the router extensions: its helpers, and its metering counts. */
export function deleteConntrackHelpersOf(tx: WriteTx, router: Router): void {
  for (const c of tx.by('conntrack_helper', 'router', router.id)) tx.delete('conntrack_helper', c.id);
  for (const c of tx.by('metering_counter', 'router', router.id)) tx.delete('metering_counter', c.id);
}

/** The helpers a router shows (`expose-l3-conntrack-helper`), without their ids, as Neutron. */
export function conntrackHelpersOf(view: ReadView, router: Router): Record<string, unknown>[] {
  return [...view.by('conntrack_helper', 'router', router.id)]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((c) => ({ protocol: c.protocol, port: c.port, helper: c.helper }));
}

export const conntrackHelperHandler: HandlerSpec<'conntrack_helper', ConntrackHelperCreate, ConntrackHelperUpdate> = {
  kind: 'conntrack_helper',
  path: 'routers/:router_id/conntrack_helpers',
  notFound: conntrackHelperNotFound,
  parent: { kind: 'router', index: 'router', of: (c) => c.router_id, list: 'empty', member: 'record' },
  target: (view, c) => ({ projectId: view.get('router', c.router_id)?.project_id ?? c.project_id }),
  createTarget: (view, _ctx, v, projectId) => ({ projectId: view.get('router', v.router_id)?.project_id ?? projectId }),
  create: (tx, ctx, v) => createConntrackHelper(tx, ctx, v),
  update: (tx, ctx, c, v) => save(tx, ctx, { ...c, ...(v as Partial<ConntrackHelper>) }),
  delete: (tx, _ctx, c) => {
    tx.delete('conntrack_helper', c.id);
    touchRouter(tx, c.router_id);
  },
};
