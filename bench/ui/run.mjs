#!/usr/bin/env node
// bench/ui: the web view in a real browser (Debian's Chromium, headless, driven by
// playwright-core) against a server holding a cloud of --ports instance ports (default 1,000)
// in --projects projects (each: a network with a /21 subnet, a router with a gateway on the
// external network and an interface, a floating IP on every tenth port), and the same with
// --reference-ports (default 10) as the reference of the same session. Measured:
//   - first paint: from navigation start to the logical view painted (lists fetched, laid
//     out by ELK, drawn), on reloads with a kept token (p50/p99 over --runs),
//   - the same in a new tab after clearing the browser's cache (no cached files, no compiled
//     code), and in a browser process started for it with a new profile (3 runs),
//   - sign-in to first paint (once: it includes the password check),
//   - push: from a port reported up by its agent's status call to the picture showing it ACTIVE
//     (p50/p99 over --updates), through the event stream; and from a rename that widens the
//     port's card (so the picture is laid out again) to the picture showing it.
//
//   npm run build && node bench/ui/run.mjs [--ports 1000] [--projects 10] [--runs 10] [--updates 20] [--out FILE]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { environment, machineLoad, options, root, summary } from '../common.mjs';

const opt = options();
const PORTS = Number(opt('--ports', '1000'));
const REFERENCE = Number(opt('--reference-ports', '10'));
const PROJECTS = Number(opt('--projects', '10'));
const RUNS = Number(opt('--runs', '10'));
const UPDATES = Number(opt('--updates', '20'));
const out = opt('--out', join(root, 'bench', 'results', `ui-${new Date().toISOString().slice(0, 10)}.json`));
const { launchChromium, signIn } = await import(join(root, 'dist', 'web', 'testing', 'browser.js'));

const PASSWORD = 'bench-ui-secret';

/** A keystone-auth server on its own SQLite file, with the admin bootstrapped. */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'quark-bench-ui-'));
  const db = join(dir, 'quark.db');
  const port = 19000 + Math.floor(Math.random() * 1000);
  const url = `http://127.0.0.1:${port}`;
  const cli = join(root, 'dist', 'cli', 'main.js');
  execFileSync(
    process.execPath,
    [cli, 'admin', 'bootstrap', '--db', db, '--password', PASSWORD, '--url', url, '--no-clouds-yaml'],
    {
      stdio: 'ignore',
    },
  );
  const env = { ...process.env };
  for (const q of ['NETWORK', 'SUBNET', 'PORT', 'ROUTER', 'FLOATINGIP', 'SECURITY_GROUP', 'SECURITY_GROUP_RULE'])
    env[`QUARK_QUOTA_${q}`] = '-1';
  const child = spawn(
    process.execPath,
    [cli, 'server', '--db', db, '--port', String(port), '--auth', 'keystone', '--log-level', 'warn'],
    {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('close', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function api(url, token, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { body: text ? JSON.parse(text) : {}, headers: res.headers };
}

async function adminToken(url) {
  const r = await api(url, null, 'POST', '/identity/v3/auth/tokens', {
    auth: {
      identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: PASSWORD } } },
      scope: { project: { name: 'admin', domain: { name: 'Default' } } },
    },
  });
  return r.headers.get('x-subject-token');
}

/** The cloud: an external network, then per project a network, a router and its share of the ports. */
async function populate(url, token, ports) {
  const call = (method, path, body) => api(url, token, method, path, body).then((r) => r.body);
  const { network: ext } = await call('POST', '/v2.0/networks', {
    network: {
      name: 'public',
      'router:external': true,
      'provider:network_type': 'flat',
      'provider:physical_network': 'physnet1',
    },
  });
  await call('POST', '/v2.0/subnets', {
    subnet: { network_id: ext.id, cidr: '203.0.112.0/22', ip_version: 4, enable_dhcp: false },
  });
  const perProject = Math.ceil(ports / PROJECTS);
  let made = 0;
  for (let p = 0; p < PROJECTS && made < ports; p++) {
    const { project } = await call('POST', '/identity/v3/projects', { project: { name: `tenant-${p}` } });
    const { network } = await call('POST', '/v2.0/networks', { network: { name: `net-${p}`, project_id: project.id } });
    const { subnet } = await call('POST', '/v2.0/subnets', {
      subnet: { network_id: network.id, cidr: '10.0.0.0/21', ip_version: 4, project_id: project.id },
    });
    const { router } = await call('POST', '/v2.0/routers', {
      router: { name: `router-${p}`, project_id: project.id, external_gateway_info: { network_id: ext.id } },
    });
    await call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
    const n = Math.min(perProject, ports - made);
    const batch = Array.from({ length: n }, (_, i) => ({
      network_id: network.id,
      project_id: project.id,
      name: `vm-${p}-${i}`,
      device_owner: 'compute:nova',
      device_id: `instance-${p}-${i}`,
      'binding:host_id': `compute-${i % 4}`,
    }));
    const { ports: created } = await call('POST', '/v2.0/ports', { ports: batch });
    made += created.length;
    for (const port of created.filter((_, i) => i % 10 === 0))
      await call('POST', '/v2.0/floatingips', {
        floatingip: { floating_network_id: ext.id, port_id: port.id, project_id: project.id },
      });
  }
  return made;
}

async function measure(ports) {
  const server = await startServer();
  const browser = await launchChromium();
  try {
    const token = await adminToken(server.url);
    const made = await populate(server.url, token, ports);
    const { page } = browser;
    const t0 = performance.now();
    await signIn(page, server.url, { username: 'admin', password: PASSWORD, project: 'admin' });
    await page.waitForSelector('body[data-first-paint]');
    const signInToPaint = performance.now() - t0;
    const elements = await page.locator('#view-logical g.el').count();
    const firstPaint = [];
    const phases = {};
    for (let i = 0; i < RUNS; i++) {
      await page.reload();
      await page.waitForSelector('body[data-first-paint]');
      firstPaint.push(Number(await page.getAttribute('body', 'data-first-paint')));
      // Where the time went: the first time each mark was set on this page load.
      const marks = await page.evaluate(
        `(() => { const m = {}; for (const e of performance.getEntriesByType('mark')) if (!(e.name in m)) m[e.name] = e.startTime; const nav = performance.getEntriesByType('navigation')[0]; m['dom-content-loaded'] = nav.domContentLoadedEventEnd; m['response-end'] = nav.responseEnd; return m; })()`,
      );
      for (const [k, v] of Object.entries(marks)) {
        phases[k] ??= [];
        phases[k].push(v);
      }
    }
    // Cold: a browser never used before (no cached files, no compiled code), token already kept.
    const cold = [];
    for (let i = 0; i < Math.min(3, RUNS); i++) {
      const fresh = await launchChromium();
      try {
        await fresh.context.addInitScript(`sessionStorage.setItem('quark.token', ${JSON.stringify(token)})`);
        await fresh.page.goto(`${server.url}/ui/`);
        await fresh.page.waitForSelector('body[data-first-paint]');
        cold.push(Number(await fresh.page.getAttribute('body', 'data-first-paint')));
      } finally {
        await fresh.close();
      }
    }
    // Cleared: a new tab of the same browser after its HTTP cache (and so the compiled code kept
    // with it) was cleared: a first visit, without the start of a new browser process.
    const cleared = [];
    for (let i = 0; i < RUNS; i++) {
      const tab = await browser.context.newPage();
      try {
        const cdp = await browser.context.newCDPSession(tab);
        await cdp.send('Network.clearBrowserCache');
        await tab.addInitScript(`sessionStorage.setItem('quark.token', ${JSON.stringify(token)})`);
        await tab.goto(`${server.url}/ui/`);
        await tab.waitForSelector('body[data-first-paint]');
        cleared.push(Number(await tab.getAttribute('body', 'data-first-paint')));
      } finally {
        await tab.close();
      }
    }
    // Push, as agents make it: a port reported up (POST /v2.0/quark/ports/status, what an agent
    // sends once it wired the port) turns ACTIVE in the picture; the layout stays.
    const { ports: some } = await api(server.url, token, 'GET', `/v2.0/ports?device_owner=compute:nova&limit=${UPDATES}`).then(
      (r) => r.body,
    );
    const push = [];
    for (const port of some) {
      await api(server.url, token, 'POST', '/v2.0/quark/ports/status', {
        host: port['binding:host_id'],
        up: [port.id],
        down: [],
      });
      const answered = performance.now();
      await page.waitForSelector(`#view-logical g.el[aria-label^="port ${port.name}, status ACTIVE"]`, { timeout: 10_000 });
      push.push(performance.now() - answered);
    }
    // A rename that widens the port's card: the network's grid and the layout change.
    const renames = [];
    for (const [i, port] of some.entries()) {
      const name = `${port.name}-renamed-${i}`;
      await api(server.url, token, 'PUT', `/v2.0/ports/${port.id}`, { port: { name } });
      const answered = performance.now();
      await page.waitForSelector(`#view-logical g.el[aria-label^="port ${name},"]`, { timeout: 10_000 });
      renames.push(performance.now() - answered);
    }
    return {
      ports: made,
      elements_drawn: elements,
      first_paint_ms: summary(firstPaint),
      first_paint_phases_p50_ms: Object.fromEntries(
        Object.entries(phases)
          .map(([k, v]) => [k, summary(v).p50])
          .sort((a, b) => a[1] - b[1]),
      ),
      cache_cleared_first_paint_ms: summary(cleared),
      new_browser_first_paint_ms: summary(cold),
      sign_in_to_paint_ms: Math.round(signInToPaint),
      push_status_to_picture_ms: summary(push),
      push_relayout_to_picture_ms: summary(renames),
      errors: browser.errors,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

const load = machineLoad();
const chromium = execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
const reference = await measure(REFERENCE);
const main = await measure(PORTS);
const result = {
  benchmark: 'ui',
  date: new Date().toISOString(),
  environment: { ...environment(), chromium },
  machine: load(),
  reference,
  main,
  ratio_first_paint_p50: Math.round((main.first_paint_ms.p50 / reference.first_paint_ms.p50) * 100) / 100,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
