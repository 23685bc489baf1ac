#!/usr/bin/env node
// bench/scale: the server at the size of DESIGN.md §7 — 1,000 networks with a subnet each,
// 10,000 ports, 100 routers (gateway + one interface each), 5,000 security group rules — or
// larger (issue 14: 10,000 networks, 100,000 ports, 50,000 rules), built over HTTP with bulk
// creates (8 requests in flight), then:
//   - list latency (p50/p99 over --lists runs) of the big collections, whole and filtered,
//   - paged lists as the openstack CLI pages them: `limit=100`, then the `next` link's marker
//     until the last page (p50/p99 over every page of the walk); the first 50 pages sorted by
//     MAC address; and the pages a member of a small project (150 ports) walks through,
//   - one port create and one rule create at that size (p50/p99 over 100),
//   - server RSS, again after --settle seconds idle (30), and the time a restart takes to
//     answer /healthz again (it loads the state).
//
//   node bench/scale/run.mjs [--networks 1000] [--ports 10000] [--routers 100] [--rules 5000]
//                            [--lists 20] [--settle 30] [--db sqlite|memory|postgres] [--heap-snapshot FILE]
//                            [--out FILE]
//
// --db postgres starts a private PostgreSQL (src/store/testing/private-postgres.ts) and removes
// it at the end. --heap-snapshot FILE writes a V8 heap snapshot of the server at full size (before
// the restart) to FILE (hundreds of MiB: keep it out of the repository); summarise it with
// bench/scale/heap-summary.mjs.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { peakRssMiB, rssMiB, startQuarkServer } from '../lib/quark-server.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const N = {
  networks: Number(opt('--networks', '1000')),
  ports: Number(opt('--ports', '10000')),
  routers: Number(opt('--routers', '100')),
  rules: Number(opt('--rules', '5000')),
  lists: Number(opt('--lists', '20')),
};
const settle = Number(opt('--settle', '30'));
const out = opt('--out', join(root, 'bench', 'results', `scale-${new Date().toISOString().slice(0, 10)}.json`));
const heapSnapshot = opt('--heap-snapshot', null);
const loadAverage = () =>
  execFileSync('uptime', { encoding: 'utf8' })
    .trim()
    .replace(/.*load average: /, '');
const PROJECT = 'scale';
const HEADERS = { 'content-type': 'application/json', 'x-project-id': PROJECT, 'x-roles': 'admin,member' };
const SMALL = 'small';
const MEMBER = { 'content-type': 'application/json', 'x-project-id': SMALL, 'x-roles': 'member' };

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))].toFixed(2);
};

const dbKind = opt('--db', 'sqlite');
const load = { before: loadAverage() };
let pg = null;
if (dbKind === 'postgres') {
  const { startPostgres } = await import(join(root, 'dist', 'store', 'testing', 'private-postgres.js'));
  pg = await startPostgres();
}
let server;
try {
  if (pg) pg.createDatabase('quark_scale');
  server = await startQuarkServer({
    db: pg ? pg.url('quark_scale') : dbKind,
    env: {
      // The default 10,000 GRE keys are one short of 10,000 project networks beside the external one.
      QUARK_GRE_ID_RANGES: '1:100000',
      // The client parses lists of 100,000 ports (about a second each) while its other
      // connections idle: its keep-alive timers then fire late, and a connection the server has
      // just closed after its 5 s would be reused (ECONNRESET).
      QUARK_KEEP_ALIVE_TIMEOUT: '300',
      ...(heapSnapshot ? { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' } : {}),
    },
  });
} catch (e) {
  await pg?.stop();
  throw e;
}

async function call(method, path, body, headers = HEADERS) {
  const res = await fetch(`${server.url}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Runs `fn` over `items` with `width` in flight. */
async function pool(items, width, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

const chunks = (n, size) => Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size));
const build = {};
async function phase(name, fn) {
  const t0 = performance.now();
  const count = await fn();
  const s = (performance.now() - t0) / 1000;
  build[name] = { count, wall_s: +s.toFixed(2), per_s: Math.round(count / s) };
  process.stderr.write(`${name}: ${count} in ${s.toFixed(1)} s\n`);
}

/** The V8 heap as the server's /metrics shows it, in MiB: used, and the size of each space. */
async function heapMetrics() {
  const text = await (await fetch(`${server.url}/metrics`, { headers: HEADERS })).text();
  const mib = (re) => {
    const m = re.exec(text);
    return m ? +(Number(m[1]) / 1048576).toFixed(1) : null;
  };
  const spaces = {};
  for (const m of text.matchAll(/^quark_nodejs_heap_space_size_total_bytes\{space="([a-z_]+)"\} (\d+)$/gm)) {
    if (Number(m[2]) > 0) spaces[m[1]] = +(Number(m[2]) / 1048576).toFixed(1);
  }
  return {
    heap_used_mib: mib(/^quark_nodejs_heap_size_used_bytes (\d+)$/m),
    heap_total_mib: mib(/^quark_nodejs_heap_size_total_bytes (\d+)$/m),
    external_mib: mib(/^quark_nodejs_external_memory_bytes (\d+)$/m),
    heap_spaces_mib: spaces,
  };
}

async function timeMany(n, fn) {
  const ms = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return { p50_ms: pct(ms, 50), p99_ms: pct(ms, 99) };
}

try {
  const ext = (await call('POST', '/v2.0/networks', { network: { name: 'ext', 'router:external': true, project_id: PROJECT } }))
    .network;
  await call('POST', '/v2.0/subnets', {
    subnet: { network_id: ext.id, ip_version: 4, cidr: '198.18.0.0/16', enable_dhcp: false, project_id: PROJECT },
  });
  const networks = [];
  await phase('networks', async () => {
    await pool(chunks(N.networks, 100), 8, async (size, c) => {
      const body = Array.from({ length: size }, (_, i) => ({ name: `net-${c * 100 + i}`, project_id: PROJECT }));
      networks.push(...(await call('POST', '/v2.0/networks', { networks: body })).networks);
    });
    return networks.length;
  });
  const subnets = [];
  await phase('subnets', async () => {
    await pool(chunks(networks.length, 100), 8, async (size, c) => {
      const body = Array.from({ length: size }, (_, i) => {
        const k = c * 100 + i;
        return {
          network_id: networks[k].id,
          ip_version: 4,
          cidr: `10.${Math.floor(k / 256)}.${k % 256}.0/24`,
          project_id: PROJECT,
        };
      });
      subnets.push(...(await call('POST', '/v2.0/subnets', { subnets: body })).subnets);
    });
    return subnets.length;
  });
  let portCount = 0;
  await phase('ports', async () => {
    await pool(chunks(N.ports, 100), 8, async (size, c) => {
      const body = Array.from({ length: size }, (_, i) => ({
        network_id: networks[(c * 100 + i) % networks.length].id,
        device_id: `vm-${c * 100 + i}`,
        project_id: PROJECT,
      }));
      const { ports } = await call('POST', '/v2.0/ports', { ports: body });
      portCount += ports.length;
    });
    return portCount;
  });
  await phase('routers', async () => {
    await pool(
      Array.from({ length: N.routers }, (_, i) => i),
      8,
      async (i) => {
        const { router } = await call('POST', '/v2.0/routers', {
          router: { name: `r-${i}`, project_id: PROJECT, external_gateway_info: { network_id: ext.id } },
        });
        await call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnets[i].id });
      },
    );
    return N.routers;
  });
  // A project member's view of the same cloud: a project with one network and 150 ports of
  // its own among everybody else's (its pages must not cost what the whole cloud costs).
  const small = (await call('POST', '/v2.0/networks', { network: { name: 'small', project_id: SMALL } })).network;
  await call('POST', '/v2.0/subnets', {
    subnet: { network_id: small.id, ip_version: 4, cidr: '192.168.0.0/24', project_id: SMALL },
  });
  await call('POST', '/v2.0/ports', {
    ports: Array.from({ length: 150 }, () => ({ network_id: small.id, project_id: SMALL })),
  });
  const groups = Math.ceil(N.rules / 100);
  const sgs = [];
  await phase('security_group_rules', async () => {
    for (let g = 0; g < groups; g++)
      sgs.push(
        (await call('POST', '/v2.0/security-groups', { security_group: { name: `sg-${g}`, project_id: PROJECT } }))
          .security_group,
      );
    let rules = 0;
    await pool(sgs, 8, async (sg, g) => {
      const size = Math.min(100, N.rules - g * 100);
      const body = Array.from({ length: size }, (_, i) => ({
        security_group_id: sg.id,
        direction: 'ingress',
        protocol: 'tcp',
        port_range_min: 1000 + i,
        port_range_max: 1000 + i,
        project_id: PROJECT,
      }));
      const created = await call('POST', '/v2.0/security-group-rules', { security_group_rules: body });
      rules += created.security_group_rules.length;
    });
    return rules;
  });

  const lists = {};
  const list = async (name, path) => {
    let items = 0;
    lists[name] = await timeMany(N.lists, async () => {
      const body = await call('GET', path);
      items = Object.values(body)[0].length;
    });
    lists[name].items = items;
    process.stderr.write(`GET ${path}: ${items} items, p50 ${lists[name].p50_ms} ms\n`);
  };
  await list('ports', '/v2.0/ports');
  await list('ports_of_one_network', `/v2.0/ports?network_id=${networks[7].id}`);
  await list('ports_fields_id', '/v2.0/ports?fields=id');
  await list('ports_page_100', '/v2.0/ports?limit=100');
  await list('ports_of_one_device', '/v2.0/ports?device_id=vm-4242');
  await list('networks', '/v2.0/networks');
  await list('subnets', '/v2.0/subnets');
  await list('routers', '/v2.0/routers');
  await list('security_group_rules', '/v2.0/security-group-rules');

  const pages = {};
  /** Pages as the CLI does, to the last page or `maxPages`; `query` adds sort keys. */
  const walk = async (name, collection, { query = '', headers = HEADERS, maxPages = Number.POSITIVE_INFINITY } = {}) => {
    const ms = [];
    let items = 0;
    let marker = null;
    do {
      const t0 = performance.now();
      const body = await call('GET', `/v2.0/${collection}?limit=100${query}${marker ? `&marker=${marker}` : ''}`, null, headers);
      ms.push(performance.now() - t0);
      items += Object.values(body)[0].length;
      marker = body[`${collection.replaceAll('-', '_')}_links`]?.find((l) => l.rel === 'next')
        ? Object.values(body)[0].at(-1)?.id
        : null;
    } while (marker && ms.length < maxPages);
    pages[name] = { pages: ms.length, items, p50_ms: pct(ms, 50), p99_ms: pct(ms, 99), max_ms: pct(ms, 100) };
    process.stderr.write(
      `walk ${name}: ${ms.length} pages, ${items} items, p50 ${pages[name].p50_ms} p99 ${pages[name].p99_ms} ms\n`,
    );
  };
  await walk('ports', 'ports');
  await walk('networks', 'networks');
  await walk('security_group_rules', 'security-group-rules');
  await walk('ports_sorted_by_mac_first_50', 'ports', { query: '&sort_key=mac_address&sort_dir=asc', maxPages: 50 });
  await walk('ports_as_member_of_small_project', 'ports', { headers: MEMBER });
  await walk('networks_as_member_of_small_project', 'networks', { headers: MEMBER });

  const single = {
    port_create: await timeMany(100, (i) =>
      call('POST', '/v2.0/ports', { port: { network_id: networks[i % networks.length].id, project_id: PROJECT } }),
    ),
    rule_create: await timeMany(100, (i) =>
      call('POST', '/v2.0/security-group-rules', {
        security_group_rule: {
          security_group_id: sgs[0].id,
          direction: 'egress',
          protocol: 'udp',
          port_range_min: 2000 + i,
          port_range_max: 2000 + i,
          project_id: PROJECT,
        },
      }),
    ),
    network_show: await timeMany(100, () => call('GET', `/v2.0/networks/${networks[3 % networks.length].id}`)),
    network_create: await timeMany(100, (i) =>
      call('POST', '/v2.0/networks', { network: { name: `one-${i}`, project_id: PROJECT } }),
    ),
  };
  const pid = server.process.pid;
  const memory = { rss_mib: +rssMiB(pid).toFixed(1), peak_rss_mib: +peakRssMiB(pid).toFixed(1), ...(await heapMetrics()) };
  // V8 keeps the heap it grew to while it was busy and gives back what is free once the
  // process has been idle a while (its memory reducer): the RSS of a server at rest.
  await new Promise((r) => setTimeout(r, settle * 1000));
  memory.idle = { after_s: settle, rss_mib: +rssMiB(pid).toFixed(1), ...(await heapMetrics()) };
  if (heapSnapshot) {
    const before = new Set(readdirSync(server.dir));
    server.process.kill('SIGUSR2');
    // V8 writes Heap.<date>.<pid>...heapsnapshot into the server's working directory, on the
    // server's main thread: once the server answers again, the file is complete.
    let made;
    for (let i = 0; i < 600 && !made; i++) {
      await new Promise((r) => setTimeout(r, 500));
      made = readdirSync(server.dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    }
    await call('GET', '/v2.0/networks?limit=1');
    copyFileSync(join(server.dir, made), heapSnapshot);
  }
  const restartMs = server.db === 'memory' ? null : +(await server.restart()).toFixed(0);
  const afterRestart = { rss_mib: +rssMiB(server.process.pid).toFixed(1) };
  const result = {
    date: new Date().toISOString(),
    load_average: { ...load, after: loadAverage() },
    db: server.db,
    sizes: N,
    build,
    lists,
    pages,
    single,
    memory,
    restart_ms: restartMs,
    after_restart: afterRestart,
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await server.close();
  await pg?.stop();
}
