/**
 * Explain and trace over HTTP (docs/explain-trace.md), admin only:
 *
 *   GET  /v2.0/quark/explain/{kind}/{id or name}   kind: ports, networks, routers, floatingips, security-groups
 *   GET  /v2.0/quark/explain/hosts/{host}
 *   GET  /v2.0/quark/trace?from=X&to=Y&protocol=tcp&port=22&probe=true&ip_version=6&reply=false
 *   POST /v2.0/quark/queries/{id}/answer           an agent's answer to a query it got on its feed
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { QuarkError } from '../../model/errors.js';
import type { QueryAnswer } from '../../model/feed.js';
import type { TraceProtocol } from '../../model/trace.js';
import type { Store } from '../../store/store.js';
import type { Caller } from '../caller.js';
import { type PolicyAction, enforce } from '../policy.js';
import type { QueryBroker } from './broker.js';
import { EXPLAIN_KINDS, explainHost, explainObject } from './explain.js';
import { trace } from './trace.js';

export interface QuarkQueryDeps {
  readonly store: Store;
  readonly broker: QueryBroker;
  readonly callerOf: (request: FastifyRequest) => Caller;
}

const PROTOCOLS = new Set(['icmp', 'tcp', 'udp']);

function required(q: Record<string, string | undefined>, name: string): string {
  const v = q[name];
  if (!v) throw new QuarkError('HTTPBadRequest', `Invalid input for ${name}. Reason: a value is required.`);
  return v;
}

export function registerQuarkQueryRoutes(app: FastifyInstance, deps: QuarkQueryDeps): void {
  const admin = (request: FastifyRequest, action: PolicyAction) => enforce(action, deps.callerOf(request), { projectId: '' });

  app.get<{ Params: { host: string } }>('/v2.0/quark/explain/hosts/:host', async (request) => {
    admin(request, 'quark:explain');
    return { explanation: await explainHost(deps.broker, deps.store.view, request.params.host) };
  });

  app.get<{ Params: { kind: string; id: string } }>('/v2.0/quark/explain/:kind/:id', async (request) => {
    admin(request, 'quark:explain');
    const kind = EXPLAIN_KINDS[request.params.kind];
    if (!kind) {
      throw new QuarkError(
        'HTTPNotFound',
        `The resource could not be found: explain knows ports, networks, routers, floatingips, security-groups, trunks and hosts, not ${request.params.kind}.`,
      );
    }
    return { explanation: await explainObject(deps.broker, deps.store.view, kind, request.params.id) };
  });

  app.get('/v2.0/quark/trace', async (request) => {
    admin(request, 'quark:trace');
    const q = request.query as Record<string, string | undefined>;
    const protocol = (q.protocol ?? 'icmp').toLowerCase();
    if (!PROTOCOLS.has(protocol))
      throw new QuarkError('HTTPBadRequest', `Invalid input for protocol. Reason: icmp, tcp or udp, not ${protocol}.`);
    const port = q.port === undefined || q.port === '' ? null : Number(q.port);
    if (port !== null && !Number.isInteger(port))
      throw new QuarkError('HTTPBadRequest', 'Invalid input for port. Reason: an integer is required.');
    const ipVersion = q.ip_version === undefined || q.ip_version === '' ? 4 : Number(q.ip_version);
    if (ipVersion !== 4 && ipVersion !== 6)
      throw new QuarkError('HTTPBadRequest', `Invalid input for ip_version. Reason: 4 or 6, not ${q.ip_version}.`);
    const req = {
      from: required(q, 'from'),
      to: required(q, 'to'),
      protocol: protocol as TraceProtocol,
      port,
      probe: q.probe === 'true' || q.probe === '1',
      ipVersion: ipVersion as 4 | 6,
      reply: !(q.reply === 'false' || q.reply === '0'),
    };
    return { trace: await trace(deps.broker, deps.store.view, req) };
  });

  app.post<{ Params: { id: string } }>('/v2.0/quark/queries/:id/answer', async (request) => {
    admin(request, 'quark:answer_query');
    const body = (request.body ?? {}) as Partial<QueryAnswer>;
    if (typeof body.host !== 'string' || body.host === '')
      throw new QuarkError('HTTPBadRequest', 'Invalid input for host. Reason: a non-empty string is required.');
    const delivered = deps.broker.answer(request.params.id, {
      host: body.host,
      answer: body.answer,
      ...(typeof body.error === 'string' ? { error: body.error } : {}),
    });
    return { delivered };
  });
}
