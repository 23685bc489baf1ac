/**
 * Quark's agent endpoints (docs/feed.md), all admin-only:
 *   GET  /v2.0/quark/feed?host=H&roles=l2,dhcp&since=R   newline-delimited JSON stream
 *   POST /v2.0/quark/agents/report                        heartbeat: {agent: AgentReport}
 *   POST /v2.0/quark/ports/status                         {host, up: [ids], down: [ids], wired_ms?: {id: ms}}
 *   POST /v2.0/quark/floatingips/status                   {host, statuses: {id: ACTIVE|DOWN|ERROR}}
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentReport, FeedMessage, FloatingIpStatusReport, PortStatusReport } from '../../model/feed.js';
import { QuarkError } from '../../model/errors.js';
import type { Store } from '../../store/store.js';
import type { Caller } from '../caller.js';
import type { ServerMetrics } from '../metrics.js';
import { recordAgentReport, recordFloatingIpStatus, recordPortStatus } from '../plugin/agent-reports.js';
import type { Services } from '../plugin/context.js';
import type { FeedHub } from './hub.js';

const ROLES = new Set(['l2', 'dhcp', 'l3']);
const AGENT_TYPES = new Set(['Open vSwitch agent', 'DHCP agent', 'L3 agent']);

function requireAdmin(caller: Caller): void {
  if (!caller.isAdmin) throw new QuarkError('PolicyNotAuthorized', '(rule:quark_agent) is disallowed by policy');
}

function text(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '')
    throw new QuarkError('HTTPBadRequest', `Invalid input for ${name}. Reason: a non-empty string is required.`);
  return v;
}

const FIP_STATUSES = new Set(['ACTIVE', 'DOWN', 'ERROR']);

function statuses(v: unknown): FloatingIpStatusReport['statuses'] {
  const ok =
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((s) => FIP_STATUSES.has(s as string));
  if (!ok)
    throw new QuarkError(
      'HTTPBadRequest',
      'Invalid input for statuses. Reason: a map of ids to ACTIVE, DOWN or ERROR is required.',
    );
  return v as FloatingIpStatusReport['statuses'];
}

function ids(v: unknown, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new QuarkError('HTTPBadRequest', `Invalid input for ${name}. Reason: a list of ids is required.`);
  return v as string[];
}

/** `wired_ms` of a port status report: port id → milliseconds from its VIF appearing to ACTIVE. */
function wiredMs(v: unknown): Record<string, number> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'number' || !(x >= 0)))
    throw new QuarkError(
      'HTTPBadRequest',
      'Invalid input for wired_ms. Reason: a map of port ids to milliseconds (>= 0) is required.',
    );
  return v as Record<string, number>;
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
    const host = text(q.host, 'host');
    const roles = new Set((q.roles ?? 'l2').split(',').filter(Boolean));
    for (const r of roles)
      if (!ROLES.has(r)) throw new QuarkError('HTTPBadRequest', `Invalid input for roles. Reason: unknown role '${r}'.`);
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
    const body = (request.body as { agent?: Record<string, unknown> } | undefined)?.agent;
    if (!body) throw new QuarkError('HTTPBadRequest', "Unable to find 'agent' in request body");
    const type = text(body.agent_type, 'agent_type');
    if (!AGENT_TYPES.has(type))
      throw new QuarkError('HTTPBadRequest', `Invalid input for agent_type. Reason: unknown agent type '${type}'.`);
    const report: AgentReport = {
      host: text(body.host, 'host'),
      agent_type: type as AgentReport['agent_type'],
      binary: text(body.binary, 'binary'),
      topic: typeof body.topic === 'string' ? body.topic : 'N/A',
      configurations: (body.configurations as Record<string, unknown>) ?? {},
      start_flag: body.start_flag === true,
    };
    const agent = await deps.store.write((tx) => recordAgentReport(tx, deps.services, report));
    return { agent };
  });

  app.post('/v2.0/quark/ports/status', async (request) => {
    requireAdmin(deps.callerOf(request));
    const body = (request.body ?? {}) as Record<string, unknown>;
    const report: PortStatusReport = { host: text(body.host, 'host'), up: ids(body.up, 'up'), down: ids(body.down, 'down') };
    const wired = wiredMs(body.wired_ms);
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
    const body = (request.body ?? {}) as Record<string, unknown>;
    const report: FloatingIpStatusReport = { host: text(body.host, 'host'), statuses: statuses(body.statuses) };
    const changed = await deps.store.write((tx) => recordFloatingIpStatus(tx, deps.services, report));
    return { changed };
  });
}
