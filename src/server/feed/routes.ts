/**
 * Quark's agent endpoints (docs/feed.md), all admin-only:
 *   GET  /v2.0/quark/feed?host=H&roles=l2,dhcp&since=R   newline-delimited JSON stream
 *   POST /v2.0/quark/agents/report                        heartbeat: {agent: AgentReport}
 *   POST /v2.0/quark/ports/status                         {host, up: [ids], down: [ids], wired_ms?: {id: ms}}
 *   POST /v2.0/quark/floatingips/status                   {host, statuses: {id: ACTIVE|DOWN|ERROR}}
 *   POST /v2.0/quark/routers/ha_states                    {host, states: {router id: active|standby}}
 *   POST /v2.0/quark/metering/report                      {host, counters: [{label_id, router_id, pkts, bytes}]}
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import {
  AgentReportSchema,
  AgentRoleSchema,
  type FeedMessage,
  FloatingIpStatusReportSchema,
  HaStateReportSchema,
  MeteringReportSchema,
  PortStatusReportSchema,
} from '../../model/feed.js';
import { QuarkError } from '../../model/errors.js';
import type { Store } from '../../store/store.js';
import type { Caller } from '../caller.js';
import type { ServerMetrics } from '../metrics.js';
import { recordAgentReport, recordFloatingIpStatus, recordHaStates, recordPortStatus } from '../plugin/agent-reports.js';
import { recordMeteringReport } from '../plugin/metering-counters.js';
import type { Services } from '../plugin/context.js';
import type { FeedHub } from './hub.js';
import { parseReport } from './report-body.js';

function requireAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw new QuarkError('PolicyNotAuthorized', '(rule:quark_agent) is disallowed by policy');
}

export interface FeedRouteDeps {
  readonly store: Store;
  readonly services: Services;
  readonly hub: FeedHub;
  readonly callerOf: (request: FastifyRequest) => Caller;
  readonly metrics: ServerMetrics;
}

export function registerFeedRoutes(app: FastifyInstance, deps: FeedRouteDeps): void {
  const open = new Set<() => void>();
  // Streams never go idle: end them before the server waits for its connections to close.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/v2.0/quark/feed', async (request, reply) => {
    requireAdmin(deps.callerOf(request));
    const q = request.query as Record<string, string | undefined>;
    if (!q.host) throw new QuarkError('HTTPBadRequest', 'Invalid input for host. Reason: a non-empty string is required.');
    const host = q.host;
    const roles = new Set((q.roles ?? 'l2').split(',').filter(Boolean));
    for (const r of roles)
      if (!Value.Check(AgentRoleSchema, r))
        throw new QuarkError('HTTPBadRequest', `Invalid input for roles. Reason: unknown role '${r}'.`);
    const since = Number(q.since ?? 0) || 0;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' });
    raw.socket?.setNoDelay(true);
    const write = (m: FeedMessage) => {
      raw.write(`${JSON.stringify(m)}\n`);
    };
    const { start, detach } = await deps.hub.attach(host, roles, since, write);
    // The agent may have hung up while the change log was read.
    if (raw.destroyed) {
      detach();
      return;
    }
    request.log.info({ host, since, start }, 'agent feed attached');
    const end = () => {
      detach();
      // A hijacked stream is not an idle keep-alive connection: close the socket itself, or the
      // server waits for the agent to hang up before it can stop.
      raw.end(() => raw.socket?.destroy());
    };
    open.add(end);
    raw.on('close', () => {
      open.delete(end);
      detach();
    });
  });

  app.post('/v2.0/quark/agents/report', async (request) => {
    requireAdmin(deps.callerOf(request));
    const body = (request.body as { agent?: unknown } | undefined)?.agent;
    if (!body) throw new QuarkError('HTTPBadRequest', "Unable to find 'agent' in request body");
    const report = parseReport(AgentReportSchema, body);
    const agent = await deps.store.write((tx) => recordAgentReport(tx, deps.services, report));
    return { agent };
  });

  app.post('/v2.0/quark/ports/status', async (request) => {
    requireAdmin(deps.callerOf(request));
    const report = parseReport(PortStatusReportSchema, request.body ?? {});
    const wired = report.wired_ms;
    const { activated, deactivated } = await deps.store.write((tx) => recordPortStatus(tx, report));
    // Only ports this report turned ACTIVE: a retried report, or one about another host's port, counts nothing.
    for (const id of activated) {
      const ms = wired[id];
      if (ms !== undefined) deps.metrics.portWiring.observe({ host: report.host }, ms / 1000);
    }
    return { changed: activated.length + deactivated.length };
  });

  app.post('/v2.0/quark/floatingips/status', async (request) => {
    requireAdmin(deps.callerOf(request));
    const report = parseReport(FloatingIpStatusReportSchema, request.body ?? {});
    const changed = await deps.store.write((tx) => recordFloatingIpStatus(tx, deps.services, report));
    return { changed };
  });

  app.post('/v2.0/quark/routers/ha_states', async (request) => {
    requireAdmin(deps.callerOf(request));
    const report = parseReport(HaStateReportSchema, request.body ?? {});
    const changed = await deps.store.write((tx) => recordHaStates(tx, report));
    return { changed };
  });

  app.post('/v2.0/quark/metering/report', async (request) => {
    requireAdmin(deps.callerOf(request));
    const report = parseReport(MeteringReportSchema, request.body ?? {});
    const recorded = await deps.store.write((tx) => recordMeteringReport(tx, report));
    return { recorded };
  });
}
