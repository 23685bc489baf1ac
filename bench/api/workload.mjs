#!/usr/bin/env node
// Neutron v2.0 REST API micro-benchmark: the workload bench/api compares Quark and Neutron with.
// Node.js >= 20, no npm dependencies (global fetch). Only documented
// Networking API v2.0 request/response shapes are used, so it can be pointed
// at any Neutron-compatible server.
//
// Usage:
//   node bench/api/workload.mjs [BASE_URL] [options]
//     BASE_URL                default http://127.0.0.1:9696 (a trailing /v2.0 is accepted)
//     --project ID            project id (default "bench-project"). Sent as X-Project-Id /
//                             X-Tenant-Id headers and as "project_id" in every create body.
//     --no-project            send neither project headers nor body project_id
//                             (real Neutron with auth_strategy=noauth then uses "fake_project_id")
//     --no-body-project       send the headers but no "project_id" in bodies
//     --roles LIST            X-Roles header (default "admin,member")
//     --user ID               X-User-Id header (default "bench-user")
//     --token TOKEN           also send X-Auth-Token (keystone-backed servers)
//     --concurrency LIST      comma list, each value = one full scenario run (default "1,8")
//     --external-network ID   use an existing external network (with a subnet) instead of creating one
//     --networks N (50) --ports N (1000) --lists N (20) --shows N (200) --updates N (200)
//     --router-ifaces N (10) --fips N (20) --sg-rules N (20)
//     --timeout-ms N          per-request timeout (default 120000)
//     --quiet                 no progress on stderr
// Output: one JSON object on stdout (progress goes to stderr).

import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------- args
function parseArgs(argv) {
  const o = {
    base: 'http://127.0.0.1:9696',
    project: 'bench-project',
    headers: true,
    bodyProject: true,
    roles: 'admin,member',
    user: 'bench-user',
    token: null,
    concurrency: [1, 8],
    externalNetwork: null,
    networks: 50,
    ports: 1000,
    lists: 20,
    shows: 200,
    updates: 200,
    routerIfaces: 10,
    fips: 20,
    sgRules: 20,
    timeoutMs: 120000,
    quiet: false,
  };
  const num = (v, name) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`bad value for ${name}: ${v}`);
    return n;
  };
  const map = {
    '--networks': 'networks',
    '--ports': 'ports',
    '--lists': 'lists',
    '--shows': 'shows',
    '--updates': 'updates',
    '--router-ifaces': 'routerIfaces',
    '--fips': 'fips',
    '--sg-rules': 'sgRules',
    '--timeout-ms': 'timeoutMs',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--project') o.project = next();
    else if (a === '--no-project') {
      o.project = null;
      o.headers = false;
      o.bodyProject = false;
    } else if (a === '--no-body-project') o.bodyProject = false;
    else if (a === '--roles') o.roles = next();
    else if (a === '--user') o.user = next();
    else if (a === '--token') o.token = next();
    else if (a === '--concurrency')
      o.concurrency = next()
        .split(',')
        .map((v) => num(v, a))
        .filter((v) => v > 0);
    else if (a === '--external-network') o.externalNetwork = next();
    else if (a === '--quiet') o.quiet = true;
    else if (a === '-h' || a === '--help') {
      console.log('see header of bench.mjs');
      process.exit(0);
    } else if (map[a]) o[map[a]] = num(next(), a);
    else if (!a.startsWith('--')) o.base = a;
    else throw new Error(`unknown option ${a}`);
  }
  if (!o.project) {
    o.headers = false;
    o.bodyProject = false;
  }
  o.base = o.base.replace(/\/+$/, '').replace(/\/v2\.0$/, '');
  if (o.routerIfaces > o.networks) o.routerIfaces = o.networks;
  return o;
}

const opt = parseArgs(process.argv.slice(2));
const log = (...a) => {
  if (!opt.quiet) console.error(`[bench ${new Date().toISOString()}]`, ...a);
};

const HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json' };
if (opt.headers) {
  HEADERS['X-Project-Id'] = opt.project;
  HEADERS['X-Tenant-Id'] = opt.project;
  HEADERS['X-User-Id'] = opt.user;
  HEADERS['X-Roles'] = opt.roles;
}
if (opt.token) HEADERS['X-Auth-Token'] = opt.token;

// add project_id to a create body if configured
const P = (obj) => (opt.bodyProject ? { ...obj, project_id: opt.project } : obj);

// ---------------------------------------------------------------- http
async function http(method, path, body) {
  const t0 = performance.now();
  let status = 0;
  let text = '';
  let err = null;
  try {
    const res = await fetch(opt.base + '/v2.0' + path, {
      method,
      headers: HEADERS,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(opt.timeoutMs),
    });
    status = res.status;
    text = await res.text();
  } catch (e) {
    err = String(e && e.message ? e.message : e);
  }
  const ms = performance.now() - t0;
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      /* non-JSON body */
    }
  }
  return { status, json, text, ms, err };
}

// ---------------------------------------------------------------- stats
function pct(sorted, p) {
  if (!sorted.length) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}
const r3 = (x) => (x == null ? null : Math.round(x * 1000) / 1000);

class Run {
  constructor(concurrency) {
    this.concurrency = concurrency;
    this.kinds = new Map();
    this.errorSamples = [];
    this.checks = {};
  }
  kind(name) {
    if (!this.kinds.get(name)) this.kinds.set(name, { lat: [], errors: 0, wallMs: 0 });
    return this.kinds.get(name);
  }
  // Run fn over items with a pool of `concurrency` workers; each fn call = one request.
  async phase(name, items, expect, fn) {
    const k = this.kind(name);
    const out = new Array(items.length);
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (true) {
        const i = next++;
        if (i >= items.length) return;
        const r = await fn(items[i], i);
        if (!r.err && expect.includes(r.status)) k.lat.push(r.ms);
        else {
          k.errors++;
          if (this.errorSamples.length < 20) {
            this.errorSamples.push({ op: name, status: r.status, error: r.err, body: (r.text || '').slice(0, 300) });
          }
        }
        out[i] = r;
      }
    };
    const n = Math.max(1, Math.min(this.concurrency, items.length));
    await Promise.all(Array.from({ length: n }, worker));
    k.wallMs += performance.now() - t0;
    log(
      `c=${this.concurrency} ${name}: ${items.length} ops, ${k.errors} errors, ${((performance.now() - t0) / 1000).toFixed(2)}s`,
    );
    return out;
  }
  summary() {
    const ops = {};
    for (const [name, k] of this.kinds) {
      const s = [...k.lat].sort((a, b) => a - b);
      const sum = s.reduce((a, b) => a + b, 0);
      ops[name] = {
        count: s.length + k.errors,
        ok: s.length,
        errors: k.errors,
        wall_s: r3(k.wallMs / 1000),
        ops_per_sec: k.wallMs > 0 ? r3(s.length / (k.wallMs / 1000)) : null,
        p50_ms: r3(pct(s, 50)),
        p99_ms: r3(pct(s, 99)),
        mean_ms: s.length ? r3(sum / s.length) : null,
        min_ms: r3(s[0]),
        max_ms: r3(s[s.length - 1]),
      };
    }
    return ops;
  }
}

const ok = (r, codes) => r && !r.err && codes.includes(r.status);

// ---------------------------------------------------------------- scenario
async function scenario(concurrency, runIdx, tag) {
  const run = new Run(concurrency);
  const prefix = `bench-${tag}-c${concurrency}`;
  const t0 = performance.now();
  const created = {
    ext: null,
    extCreated: false,
    nets: [],
    subnets: [],
    ports: [],
    router: null,
    ifaces: [],
    fips: [],
    sg: null,
  };
  try {
    // external network (+subnet) for router gateway and floating IPs
    if (opt.externalNetwork) {
      created.ext = opt.externalNetwork;
    } else {
      const [en] = await run.phase('external_network.create', [0], [201], () =>
        http('POST', '/networks', { network: P({ name: `${prefix}-ext`, 'router:external': true }) }),
      );
      if (!ok(en, [201])) throw new Error(`cannot create external network: ${en.status} ${en.text}`);
      created.ext = en.json.network.id;
      created.extCreated = true;
      const [es] = await run.phase('external_subnet.create', [0], [201], () =>
        http('POST', '/subnets', {
          subnet: P({
            network_id: created.ext,
            ip_version: 4,
            cidr: `198.18.${runIdx % 256}.0/24`,
            enable_dhcp: false,
            name: `${prefix}-ext-sub`,
          }),
        }),
      );
      if (!ok(es, [201])) throw new Error(`cannot create external subnet: ${es.status} ${es.text}`);
    }

    // networks + one /24 subnet each
    const netIdx = [...Array(opt.networks).keys()];
    const nets = await run.phase('network.create', netIdx, [201], (i) =>
      http('POST', '/networks', { network: P({ name: `${prefix}-net-${i}` }) }),
    );
    created.nets = nets.map((r) => (ok(r, [201]) ? r.json.network.id : null));
    const secondOctet = (i) => 100 + ((runIdx * 4 + Math.floor(i / 256)) % 150);
    const subs = await run.phase('subnet.create', netIdx, [201], (i) =>
      created.nets[i]
        ? http('POST', '/subnets', {
            subnet: P({
              network_id: created.nets[i],
              ip_version: 4,
              cidr: `10.${secondOctet(i)}.${i % 256}.0/24`,
              name: `${prefix}-sub-${i}`,
            }),
          })
        : Promise.resolve({ status: 0, err: 'network missing', ms: 0 }),
    );
    created.subnets = subs.map((r) => (ok(r, [201]) ? r.json.subnet.id : null));

    // ports spread over the networks
    const liveNets = created.nets.filter(Boolean);
    const ports = await run.phase('port.create', [...Array(opt.ports).keys()], [201], (i) =>
      http('POST', '/ports', { port: P({ network_id: liveNets[i % liveNets.length], name: `${prefix}-port-${i}` }) }),
    );
    created.ports = ports.map((r) => (ok(r, [201]) ? r.json.port.id : null)).filter(Boolean);

    // list all ports
    const lists = await run.phase('port.list', [...Array(opt.lists).keys()], [200], () => http('GET', '/ports'));
    const lastList = lists.filter((r) => ok(r, [200])).pop();
    run.checks['port.list.items'] =
      lastList && lastList.json && Array.isArray(lastList.json.ports) ? lastList.json.ports.length : null;
    run.checks['port.list.bytes'] = lastList ? lastList.text.length : null;

    // show / update single ports
    const pick = (i) => created.ports[(i * 7919) % created.ports.length];
    await run.phase('port.show', [...Array(opt.shows).keys()], [200], (i) => http('GET', `/ports/${pick(i)}`));
    await run.phase('port.update', [...Array(opt.updates).keys()], [200], (i) =>
      http('PUT', `/ports/${pick(i)}`, { port: { name: `${prefix}-port-upd-${i}` } }),
    );

    // router with external gateway + interfaces
    const [rt] = await run.phase('router.create', [0], [201], () =>
      http('POST', '/routers', { router: P({ name: `${prefix}-router`, external_gateway_info: { network_id: created.ext } }) }),
    );
    created.router = ok(rt, [201]) ? rt.json.router.id : null;
    if (created.router) {
      const ifSubs = created.subnets.filter(Boolean).slice(0, opt.routerIfaces);
      const ifs = await run.phase('router.add_interface', ifSubs, [200], (sid) =>
        http('PUT', `/routers/${created.router}/add_router_interface`, { subnet_id: sid }),
      );
      created.ifaces = ifSubs.filter((sid, i) => ok(ifs[i], [200]));
    }

    // floating IPs (unassociated)
    const fips = await run.phase('floatingip.create', [...Array(opt.fips).keys()], [201], () =>
      http('POST', '/floatingips', { floatingip: P({ floating_network_id: created.ext }) }),
    );
    created.fips = fips.map((r) => (ok(r, [201]) ? r.json.floatingip.id : null)).filter(Boolean);

    // security group + rules
    const [sg] = await run.phase('security_group.create', [0], [201], () =>
      http('POST', '/security-groups', { security_group: P({ name: `${prefix}-sg`, description: 'bench' }) }),
    );
    created.sg = ok(sg, [201]) ? sg.json.security_group.id : null;
    if (created.sg) {
      await run.phase('security_group_rule.create', [...Array(opt.sgRules).keys()], [201], (i) =>
        http('POST', '/security-group-rules', {
          security_group_rule: P({
            security_group_id: created.sg,
            direction: 'ingress',
            ethertype: 'IPv4',
            protocol: 'tcp',
            port_range_min: 10000 + i,
            port_range_max: 10000 + i,
            remote_ip_prefix: '0.0.0.0/0',
          }),
        }),
      );
    }
  } catch (e) {
    run.errorSamples.push({ op: 'scenario', error: String(e && e.message ? e.message : e) });
    log(`c=${concurrency} scenario aborted: ${e && e.message}`);
  } finally {
    // ------------------------------------------------------------ delete all
    await run.phase('floatingip.delete', created.fips, [204], (id) => http('DELETE', `/floatingips/${id}`));
    if (created.sg)
      await run.phase('security_group.delete', [created.sg], [204], (id) => http('DELETE', `/security-groups/${id}`));
    if (created.router) {
      await run.phase('router.remove_interface', created.ifaces, [200], (sid) =>
        http('PUT', `/routers/${created.router}/remove_router_interface`, { subnet_id: sid }),
      );
      await run.phase('router.delete', [created.router], [204], (id) => http('DELETE', `/routers/${id}`));
    }
    await run.phase('port.delete', created.ports, [204], (id) => http('DELETE', `/ports/${id}`));
    await run.phase('subnet.delete', created.subnets.filter(Boolean), [204], (id) => http('DELETE', `/subnets/${id}`));
    await run.phase('network.delete', created.nets.filter(Boolean), [204], (id) => http('DELETE', `/networks/${id}`));
    if (created.extCreated) {
      await run.phase('external_network.delete', [created.ext], [204], (id) => http('DELETE', `/networks/${id}`));
    }
  }
  const wall = (performance.now() - t0) / 1000;
  const ops = run.summary();
  const totals = Object.values(ops).reduce((a, k) => ({ ok: a.ok + k.ok, errors: a.errors + k.errors }), { ok: 0, errors: 0 });
  return {
    concurrency,
    wall_s: r3(wall),
    requests_ok: totals.ok,
    requests_failed: totals.errors,
    requests_per_sec: r3(totals.ok / wall),
    ops,
    checks: run.checks,
    error_samples: run.errorSamples,
  };
}

// ---------------------------------------------------------------- main
async function main() {
  const started = new Date();
  const tag = started.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  // connectivity check (not timed)
  const probe = await http('GET', '/networks?limit=1');
  if (probe.err || probe.status !== 200) {
    console.error(`cannot reach ${opt.base}/v2.0/networks: ${probe.status} ${probe.err || probe.text}`);
    process.exit(2);
  }
  const t0 = performance.now();
  const runs = [];
  for (let r = 0; r < opt.concurrency.length; r++) {
    log(`run ${r + 1}/${opt.concurrency.length}: concurrency ${opt.concurrency[r]}`);
    runs.push(await scenario(opt.concurrency[r], r, tag));
  }
  const out = {
    tool: 'neutron-v2-bench',
    target: opt.base,
    started_at: started.toISOString(),
    node: process.version,
    auth: {
      project_headers: opt.headers
        ? { 'X-Project-Id': opt.project, 'X-Tenant-Id': opt.project, 'X-User-Id': opt.user, 'X-Roles': opt.roles }
        : null,
      body_project_id: opt.bodyProject ? opt.project : null,
      token: Boolean(opt.token),
    },
    params: {
      networks: opt.networks,
      subnets_per_network: 1,
      ports: opt.ports,
      port_lists: opt.lists,
      port_shows: opt.shows,
      port_updates: opt.updates,
      router_interfaces: opt.routerIfaces,
      floatingips: opt.fips,
      security_group_rules: opt.sgRules,
      concurrency: opt.concurrency,
      external_network: opt.externalNetwork || 'created',
    },
    runs,
    total_wall_s: r3((performance.now() - t0) / 1000),
    client_cpu_s: r3((process.cpuUsage().user + process.cpuUsage().system) / 1e6),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
