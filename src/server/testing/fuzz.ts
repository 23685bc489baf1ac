/**
 * A fuzzer of the whole API (fast-check): requests on every route of the route table, as every
 * kind of caller (admin, member, another project's member, reader, no token, a forged token),
 * with path parameters that name real objects or nothing, query strings of real and made-up
 * filters, and bodies that are valid ones with attributes replaced, arbitrary JSON, not JSON,
 * nested too deep or too large. Its properties, checked on every request:
 * - no 5xx (but 503 AgentUnavailable from explain/trace: no agent is connected here);
 * - every error is a NeutronError with a known type (Keystone's error body on the identity API),
 *   as `application/json`;
 * - a refused request (4xx) leaves the store as it was: the same revision, the same records of
 *   the kinds outside the change log (which commit without a new revision);
 * - the process's memory stays bounded (checked by the caller on `maxRssMiB`).
 * The unit tier runs it briefly with a fixed seed (fuzz.test.ts), bench/fuzz for long.
 */
import fc from 'fast-check';
import { isKnownCode } from '../api/neutron-error.js';
import { KINDS, KIND_NAMES } from '../../store/kinds.js';
import type { Store } from '../../store/store.js';
import { type IdentityTestServer, identityServer } from './identity-harness.js';

export interface FuzzReport {
  requests: number;
  readonly byStatus: Map<number, number>;
  /** The 503 AgentUnavailable answers of explain/trace (allowed: no agent is connected). */
  agentUnavailable: number;
  maxRssMiB: number;
}

export interface FuzzOptions {
  readonly seed: number;
  readonly numRuns: number;
  /** Called every 1,000 requests (progress of long runs). */
  readonly progress?: (report: FuzzReport) => void;
}

/** Streams that never end on their own (the agents' feed, the web view's events): covered by their own tests. */
const SKIPPED_ROUTES = new Set(['/v2.0/quark/feed', '/v2.0/quark/events']);
/** Without a connected agent these answer 503 AgentUnavailable (docs/errors.md): allowed here. */
const AGENT_ROUTES = /^\/v2\.0\/quark\/(explain|trace)/;

/** Names no object has as an own property (they must be unknown attributes like any other). */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

const QUERY_KEYS = [
  'fields',
  'limit',
  'marker',
  'page_reverse',
  'sort_key',
  'sort_dir',
  'id',
  'name',
  'project_id',
  'tenant_id',
  'network_id',
  'subnet_id',
  'device_id',
  'device_owner',
  'admin_state_up',
  'shared',
  'router:external',
  'provider:segmentation_id',
  'binding:host_id',
  'fixed_ips',
  'tags',
  'tags-any',
  'not-tags',
  'ip_version',
  'cidr',
  'host',
  'from',
  'to',
  'protocol',
  'port',
  'probe',
  'nocatalog',
  'domain_id',
  'enabled',
  'user.id',
  'scope.project.id',
];

interface Fixture {
  readonly tokens: Readonly<Record<string, string | undefined>>;
  readonly ids: readonly string[];
  /** A valid create body of each member, which the fuzzer then changes. */
  readonly templates: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly caller: string;
  readonly body: string | undefined;
}

async function fixture(s: IdentityTestServer): Promise<Fixture> {
  const admin = await s.adminToken();
  const alpha = await s.account('alpha', 'member');
  const beta = await s.account('beta', 'member');
  await s.account('gamma', 'reader');
  const member = await s.login('alpha-user', alpha.password);
  const other = await s.login('beta-user', beta.password);
  const reader = await s.login('gamma-user', 'gamma-password');
  const ok = async (token: string, method: string, path: string, body: unknown) => {
    const r = await s.request(method, path, { token, body });
    if (r.status >= 300) throw new Error(`fixture ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const ext = await ok(admin, 'POST', '/v2.0/networks', { network: { name: 'ext', 'router:external': true, shared: true } });
  const extSubnet = await ok(admin, 'POST', '/v2.0/subnets', {
    subnet: { network_id: ext.network.id, cidr: '203.0.113.0/24', ip_version: 4 },
  });
  const net = await ok(member, 'POST', '/v2.0/networks', { network: { name: 'n' } });
  const subnet = await ok(member, 'POST', '/v2.0/subnets', {
    subnet: { network_id: net.network.id, cidr: '10.0.0.0/24', ip_version: 4 },
  });
  const port = await ok(member, 'POST', '/v2.0/ports', { port: { network_id: net.network.id } });
  const router = await ok(member, 'POST', '/v2.0/routers', {
    router: { name: 'r', external_gateway_info: { network_id: ext.network.id } },
  });
  await ok(member, 'PUT', `/v2.0/routers/${router.router.id}/add_router_interface`, { subnet_id: subnet.subnet.id });
  const group = await ok(member, 'POST', '/v2.0/security-groups', { security_group: { name: 'g' } });
  const rule = await ok(member, 'POST', '/v2.0/security-group-rules', {
    security_group_rule: { security_group_id: group.security_group.id, direction: 'ingress', protocol: 'tcp' },
  });
  const fip = await ok(member, 'POST', '/v2.0/floatingips', {
    floatingip: { floating_network_id: ext.network.id, port_id: port.port.id },
  });
  const otherNet = await ok(other, 'POST', '/v2.0/networks', { network: { name: 'b' } });
  return {
    tokens: { admin, member, other, reader, none: undefined, forged: 'gAAAAAforged-token' },
    ids: [
      ext.network.id,
      extSubnet.subnet.id,
      net.network.id,
      subnet.subnet.id,
      port.port.id,
      router.router.id,
      group.security_group.id,
      rule.security_group_rule.id,
      fip.floatingip.id,
      otherNet.network.id,
      alpha.projectId,
      beta.projectId,
      alpha.userId,
      'default',
    ],
    templates: {
      network: { name: 'n' },
      subnet: { network_id: net.network.id, cidr: '10.9.0.0/24', ip_version: 4 },
      port: { network_id: net.network.id },
      router: { name: 'r' },
      floatingip: { floating_network_id: ext.network.id },
      security_group: { name: 'g' },
      security_group_rule: { security_group_id: group.security_group.id, direction: 'egress' },
      project: { name: 'p' },
      user: { name: 'u', password: 'secret-password' },
      domain: { name: 'd' },
      role: { name: 'ro' },
    },
  };
}

/** A JSON value a request may carry: ids of real objects, addresses, nothing, anything. */
function valueArb(ids: readonly string[]): fc.Arbitrary<unknown> {
  const scalar = fc.oneof(
    fc.constantFrom(...ids),
    fc.constantFrom('10.0.0.5', '10.0.0.0/24', '2001:db8::/64', '300.1.1.1', 'fa:16:3e:00:00:01', 'ingress', 'tcp', 'IPv4', ''),
    fc.boolean(),
    fc.integer({ min: -5, max: 70_000 }),
    fc.constant(null),
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 256, maxLength: 300 }),
  );
  return fc.oneof(
    { weight: 4, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.record({ ip_address: scalar, subnet_id: scalar }, { requiredKeys: [] }), { maxLength: 3 }),
    },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

/** Over maxBodyBytes (1 MiB): made once, sent often. */
const HUGE_NAME = 'x'.repeat(2 * 1024 * 1024);

/** The JSON key of one item of the collection `url` names: `/v2.0/networks/:id` → network, `/v3/projects` → project. */
function memberOf(s: IdentityTestServer, url: string): { member: string; collection: string; names: readonly string[] } {
  const decl = [...s.quark.registry.resources.values()].find((d) => url.startsWith(`/v2.0/${d.path}`));
  if (decl) return { member: decl.member, collection: decl.collection, names: Object.keys(decl.attributes) };
  const segment =
    url
      .split('/')
      .filter((p) => p && !p.startsWith(':'))
      .at(-1) ?? 'item';
  return {
    member: segment.replace(/s$/, ''),
    collection: segment,
    names: ['name', 'description', 'enabled', 'password', 'domain_id', 'project_id', 'default_project_id', 'tags'],
  };
}

function bodyArb(s: IdentityTestServer, url: string, f: Fixture): fc.Arbitrary<string | undefined> {
  const { ids } = f;
  const { member, collection, names } = memberOf(s, url);
  const attributes = fc.dictionary(
    fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) }),
    valueArb(ids),
    { maxKeys: 5 },
  );
  // A valid body with at most two attributes changed, so that many requests get past validation.
  const template = f.templates[member] ?? {};
  const nearlyValid = fc
    .oneof(fc.constant({}), fc.dictionary(fc.constantFrom(...names), valueArb(ids), { minKeys: 1, maxKeys: 2 }))
    .map((changes) => ({ [member]: { ...template, ...changes } }));
  const structured = fc.oneof(
    { weight: 8, arbitrary: nearlyValid },
    { weight: 4, arbitrary: attributes.map((a) => ({ [member]: a })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(collection, 'auth', 'router', ...PROTOTYPE_NAMES), attributes)
        .map(([k, a]) => ({ [k]: a })),
    },
    {
      weight: 1,
      arbitrary: fc.array(attributes, { maxLength: 3 }).map((items) => ({ [collection]: items.map((a) => ({ [member]: a })) })),
    },
    {
      weight: 1,
      arbitrary: fc.record({ subnet_id: fc.constantFrom(...ids), port_id: fc.constantFrom(...ids) }, { requiredKeys: [] }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        auth: fc.record(
          {
            identity: fc.record(
              { methods: fc.array(fc.constantFrom('password', 'token', 'x')), password: fc.jsonValue({ maxDepth: 3 }) },
              { requiredKeys: [] },
            ),
            scope: fc.jsonValue({ maxDepth: 3 }),
          },
          { requiredKeys: [] },
        ),
      }),
    },
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 8, arbitrary: structured.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: 33, max: 3000 }).map((d) => `{"${member}": ${'['.repeat(d)}${']'.repeat(d)}}`) },
    { weight: 1, arbitrary: fc.constant(`{"${member}": {"name": "${HUGE_NAME}"}}`) },
  );
}

function segmentArb(ids: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ids) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constantFrom('%zz', '%00', '..', 'networks', 'a'.repeat(1100), '%E2%82', 'tag%2Fslash') },
  );
}

function queryArb(ids: readonly string[]): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom(...ids),
    fc.constantFrom(
      'true',
      'False',
      '0',
      '-1',
      '1',
      '100000000000000000000',
      'id',
      'name',
      'asc',
      'desc',
      'tcp',
      'icmp',
      '1.2.3.4',
    ),
    fc.string({ maxLength: 20 }),
  );
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })), value), { maxLength: 4 })
    .map((pairs) =>
      pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
    );
}

function requestArb(s: IdentityTestServer, f: Fixture): fc.Arbitrary<FuzzRequest> {
  const routes = s.quark.routes
    .entries()
    .map((entry) => {
      const [method, url] = entry.split(' ') as [string, string];
      return { method, url };
    })
    .filter((r) => !SKIPPED_ROUTES.has(r.url) && r.method !== 'HEAD' && r.method !== 'OPTIONS');
  // Writes change the store, so they get more of the runs than reads, and creates the most.
  const weightOf = (r: { method: string; url: string }) =>
    r.method === 'GET' ? 1 : r.method === 'POST' && !r.url.includes(':') ? 12 : 3;
  const weighted = routes.map((r) => ({ weight: weightOf(r), arbitrary: fc.constant(r) }));
  return fc.oneof(...weighted).chain((route) => {
    const params = route.url.split('/').filter((p) => p.startsWith(':'));
    return fc
      .record({
        segments: fc.tuple(...params.map(() => segmentArb(f.ids))),
        query: queryArb(f.ids),
        caller: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom('admin', 'member') },
          { weight: 2, arbitrary: fc.constantFrom(...Object.keys(f.tokens)) },
        ),
        body: route.method === 'GET' || route.method === 'DELETE' ? fc.constant(undefined) : bodyArb(s, route.url, f),
      })
      .map(({ segments, query, caller, body }) => {
        let i = 0;
        const path = route.url
          .split('/')
          .map((p) => (p.startsWith(':') ? segments[i++]! : p))
          .join('/');
        return { method: route.method, url: `${path}${query}`, caller, body };
      });
  });
}

/** The store as a refused request must leave it: its revision and the kinds that commit without one. */
function fingerprint(store: Store): string {
  const unlogged = KIND_NAMES.filter((k) => !KINDS[k].inChangeLog).map((k) => store.view.all(k));
  return `${store.revision} ${JSON.stringify(unlogged)}`;
}

function isAgentUnavailable(request: FuzzRequest, status: number, text: string): boolean {
  return status === 503 && AGENT_ROUTES.test(request.url) && text.includes('"AgentUnavailable"');
}

function check(request: FuzzRequest, status: number, contentType: string, text: string): void {
  const where = `${request.method} ${request.url.slice(0, 120)} as ${request.caller}`;
  if (status >= 500 && !isAgentUnavailable(request, status, text)) throw new Error(`${where}: ${status} ${text.slice(0, 300)}`);
  if (status < 400) return;
  if (!contentType.startsWith('application/json')) throw new Error(`${where}: ${status} as ${contentType}`);
  const body = JSON.parse(text) as { NeutronError?: { type?: string }; error?: { code?: number; title?: string } };
  if (body.NeutronError) {
    if (!isKnownCode(body.NeutronError.type ?? '')) throw new Error(`${where}: unknown type ${body.NeutronError.type}`);
  } else if (body.error) {
    if (body.error.code !== status || typeof body.error.title !== 'string') throw new Error(`${where}: Keystone body ${text}`);
  } else throw new Error(`${where}: ${status} without an error body: ${text.slice(0, 200)}`);
}

/** Runs `numRuns` fuzzed requests against a fresh keystone-mode server; throws on the first broken property. */
export async function fuzzApi(options: FuzzOptions): Promise<FuzzReport> {
  const s = await identityServer();
  const report: FuzzReport = { requests: 0, byStatus: new Map(), agentUnavailable: 0, maxRssMiB: 0 };
  try {
    const f = await fixture(s);
    await fc.assert(
      fc.asyncProperty(requestArb(s, f), async (request) => {
        const before = fingerprint(s.store);
        const token = f.tokens[request.caller];
        const res = await s.quark.app.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
          ...(request.body === undefined ? {} : { payload: request.body }),
        });
        report.requests++;
        report.byStatus.set(res.statusCode, (report.byStatus.get(res.statusCode) ?? 0) + 1);
        check(request, res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
        if (isAgentUnavailable(request, res.statusCode, res.body)) report.agentUnavailable++;
        if (res.statusCode >= 400 && fingerprint(s.store) !== before) {
          throw new Error(`${request.method} ${request.url.slice(0, 120)}: refused with ${res.statusCode} but changed the store`);
        }
        if (report.requests % 100 === 0) report.maxRssMiB = Math.max(report.maxRssMiB, process.memoryUsage().rss / 2 ** 20);
        if (options.progress && report.requests % 1000 === 0) options.progress(report);
      }),
      { seed: options.seed, numRuns: options.numRuns, endOnFailure: true },
    );
    report.maxRssMiB = Math.max(report.maxRssMiB, process.memoryUsage().rss / 2 ** 20);
    return report;
  } finally {
    await s.close();
  }
}
