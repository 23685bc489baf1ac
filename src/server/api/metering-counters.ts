/**
 * `GET /v2.0/quark/metering/counters[?label_id=…&router_id=…]`: the traffic each metering label
 * counted on each router, as the L3 agents reported it (docs/metering.md). Not part of Neutron's
 * API (Neutron's metering agent sends its counts to the notification bus for Ceilometer); it
 * follows the metering rules of reading: admins only, others get an empty list.
 *
 *   {"metering_counters": [{"label_id", "router_id", "project_id", "host", "pkts", "bytes",
 *                           "first_update", "last_update"}]}
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MeteringCounter } from '../../model/resources.js';
import type { Store } from '../../store/store.js';
import type { Caller } from '../caller.js';
import { allowed } from '../policy.js';

export interface MeteringCounterDeps {
  readonly store: Store;
  readonly callerOf: (request: FastifyRequest) => Caller;
}

const render = (c: MeteringCounter) => ({
  label_id: c.label_id,
  router_id: c.router_id,
  project_id: c.project_id,
  host: c.host,
  pkts: c.pkts,
  bytes: c.bytes,
  first_update: c.first_update,
  last_update: c.last_update,
});

export function registerMeteringCounters(app: FastifyInstance, deps: MeteringCounterDeps): void {
  app.get('/v2.0/quark/metering/counters', async (request) => {
    const caller = deps.callerOf(request);
    const q = request.query as Record<string, string | string[] | undefined>;
    const wanted = (name: string) => {
      const v = q[name];
      return v === undefined ? null : new Set(Array.isArray(v) ? v : [v]);
    };
    const labels = wanted('label_id');
    const routers = wanted('router_id');
    const counters = deps.store.view
      .all('metering_counter')
      .filter((c) => allowed('get_metering_label', caller, { projectId: c.project_id }))
      .filter((c) => (!labels || labels.has(c.label_id)) && (!routers || routers.has(c.router_id)))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    return { metering_counters: counters.map(render) };
  });
}
