import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaseFile, udhcpcArgv, writeUdhcpcHook } from '../lab/udhcpc-script.js';
import { instanceSignatureValid } from '../model/metadata.js';
import { routerNamespace } from '../model/names.js';
import type { Network, Port, Router } from '../model/resources.js';
import { type TestLab, agentStatus, testLab } from '../testing/lab-harness.js';

const SECRET = 'the shared secret';

/** What the stand-in backend saw of one request. */
interface Seen {
  readonly path: string;
  readonly instance: string;
  readonly tenant: string;
  readonly forwardedFor: string;
  readonly signed: boolean;
}

/**
 * The metadata service through the namespace proxies (haproxy) and the metadata agent, to a
 * stand-in for Nova's metadata API that checks the signature of every request as Nova does
 * (HMAC-SHA256 of X-Instance-ID with the shared secret) and answers with what it saw.
 */
describe('metadata: proxies in qrouter and qdhcp namespaces, the metadata agent and a signed backend', () => {
  let t: TestLab;
  let backend: Server;
  const seen: Seen[] = [];
  let hook: string;
  let routed: Network;
  let isolated: Network;
  let router: Router;
  let vm1: Port;
  let vm2: Port;
  let vm3: Port;

  /** Asks until the answer has `status`; returns that answer. */
  const fetchUntil = async (what: string, vm: string, path: string, status: number) => {
    let r = { body: '', status: 0 };
    await t.until(
      what,
      async () => {
        r = await fetchIn(vm, path);
        return r.status === status;
      },
      30_000,
    );
    return r;
  };
  const fetchIn = async (vm: string, path: string, extra: readonly string[] = []) => {
    const r = await t.lab
      .exec('compute', ['curl', '-s', '-m', '4', '-w', '\\n%{http_code}', ...extra, `http://169.254.169.254${path}`], vm)
      .then(
        (x) => x.stdout,
        () => '\n000',
      );
    const nl = r.lastIndexOf('\n');
    return { body: r.slice(0, nl), status: Number(r.slice(nl + 1)) };
  };

  async function network(name: string, cidr: string): Promise<{ net: Network; subnet: string }> {
    const { network: net } = await t.api.post<{ network: Network }>('/v2.0/networks', { network: { name, project_id: 'meta' } });
    const { subnet } = await t.api.post<{ subnet: { id: string } }>('/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr, project_id: 'meta' },
    });
    return { net, subnet: subnet.id };
  }

  async function instance(netns: string, net: Network, deviceId: string): Promise<Port> {
    const p = await t.instance('compute', netns, { network_id: net.id, project_id: 'meta', device_id: deviceId });
    const leaseFile = join(t.lab.options.dir, `${netns}.lease`);
    await t.until(
      `a DHCP lease for ${netns}`,
      () =>
        t.lab.exec('compute', udhcpcArgv({ hook, leaseFile, tries: 3 }), netns).then(
          () => true,
          () => false,
        ),
      30_000,
    );
    assert.equal(parseLeaseFile(readFileSync(leaseFile, 'utf8')).ip, p.fixed_ips[0]!.ip_address);
    return p;
  }

  before(async () => {
    // The stand-in listens on a free port of the loopback of this (the controller's) namespace's management address.
    backend = createServer((req, res) => {
      const h = (n: string) => String(req.headers[n.toLowerCase()] ?? '');
      const s: Seen = {
        path: req.url ?? '',
        instance: h('X-Instance-ID'),
        tenant: h('X-Tenant-ID'),
        forwardedFor: h('X-Forwarded-For'),
        signed: instanceSignatureValid(SECRET, h('X-Instance-ID'), h('X-Instance-ID-Signature')),
      };
      seen.push(s);
      res.writeHead(s.signed ? 200 : 403, { 'content-type': 'application/json' });
      res.end(JSON.stringify(s));
    });
    const harness = await testLab({
      nodes: [
        { name: 'network', roles: ['l2', 'dhcp', 'l3'] },
        { name: 'compute', roles: ['l2'] },
      ],
      staticAddresses: false,
      agentEnv: {},
    });
    t = harness;
    await new Promise<void>((r) => backend.listen(0, t.lab.fabric.controllerIp, r));
    const { port } = backend.address() as { port: number };
    // The agents learn the backend from their environment: restart them with it.
    t.lab.agentEnv = {
      QUARK_NOVA_METADATA_URL: `http://${t.lab.fabric.controllerIp}:${port}`,
      QUARK_METADATA_PROXY_SHARED_SECRET: SECRET,
      QUARK_ENABLE_ISOLATED_METADATA: 'true',
    };
    for (const node of ['network', 'compute']) {
      await t.lab.stopAgent(node);
      t.lab.startAgent(node);
    }
    hook = writeUdhcpcHook(join(t.lab.options.dir, 'udhcpc-hook.sh'));
    const a = await network('routed', '10.0.0.0/24');
    routed = a.net;
    router = (await t.api.post<{ router: Router }>('/v2.0/routers', { router: { name: 'r', project_id: 'meta' } })).router;
    await t.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: a.subnet });
    isolated = (await network('isolated', '10.9.0.0/24')).net;
    vm1 = await instance('vm1', routed, 'instance-1');
    vm3 = await instance('vm3', routed, 'instance-3');
    vm2 = await instance('vm2', isolated, 'instance-2');
  });

  after(async () => {
    backend?.close();
    await t?.close();
  });

  it('an instance behind a router gets its own data: the agent found its port and signed its instance id', async () => {
    const r = await fetchUntil('the router proxy to answer', 'vm1', '/openstack/latest/meta_data.json', 200);
    const s = JSON.parse(r.body) as Seen;
    assert.deepEqual(s, {
      path: '/openstack/latest/meta_data.json',
      instance: 'instance-1',
      tenant: 'meta',
      forwardedFor: vm1.fixed_ips[0]!.ip_address,
      signed: true,
    });
    const rules = (await t.lab.exec('network', ['iptables-save', '-t', 'nat'], routerNamespace(router.id))).stdout;
    assert.match(
      rules,
      /-A quark-l3-PREROUTING -d 169\.254\.169\.254\/32 -i qr-\+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697/,
    );
  });

  it('an isolated network (no router) is served from its qdhcp namespace, routed there by DHCP option 121', async () => {
    const lease = parseLeaseFile(readFileSync(join(t.lab.options.dir, 'vm2.lease'), 'utf8'));
    assert.match(lease.staticroutes ?? '', /169\.254\.169\.254\/32 10\.9\.0\.\d+/);
    const r = await fetchUntil('the qdhcp proxy to answer', 'vm2', '/latest/meta-data/instance-id', 200);
    const s = JSON.parse(r.body) as Seen;
    assert.equal(s.instance, 'instance-2');
    assert.equal(s.forwardedFor, vm2.fixed_ips[0]!.ip_address);
    assert.ok(s.signed);
  });

  it('headers an instance sends do not change who it is: the proxy replaces them', async () => {
    const r = await fetchIn('vm3', '/openstack/latest/meta_data.json', [
      '-H',
      `X-Forwarded-For: ${vm1.fixed_ips[0]!.ip_address}`,
      '-H',
      `X-Neutron-Network-ID: ${isolated.id}`,
      '-H',
      'X-Neutron-Router-ID: not-this-router',
    ]);
    assert.equal(r.status, 200, r.body);
    const s = JSON.parse(r.body) as Seen;
    assert.equal(s.instance, 'instance-3');
    assert.equal(s.forwardedFor, vm3.fixed_ips[0]!.ip_address);
  });

  it("an instance cannot obtain another one's data by taking its address: anti-spoofing drops the request", async () => {
    const victim = vm1.fixed_ips[0]!.ip_address;
    await t.lab.exec('compute', ['ip', 'addr', 'add', `${victim}/32`, 'dev', 'eth0'], 'vm3');
    const before = seen.length;
    const r = await fetchIn('vm3', '/openstack/latest/meta_data.json', ['--interface', victim]);
    assert.notEqual(r.status, 200, r.body);
    assert.ok(
      seen.slice(before).every((s) => s.instance !== 'instance-1'),
      'the backend was never asked for instance-1 on behalf of vm3',
    );
  });

  it('the backend refuses a request whose signature was made with another secret, and the agent passes 403 on', async () => {
    await t.lab.exec('compute', ['ip', 'addr', 'del', `${vm1.fixed_ips[0]!.ip_address}/32`, 'dev', 'eth0'], 'vm3');
    t.lab.agentEnv = { ...t.lab.agentEnv, QUARK_METADATA_PROXY_SHARED_SECRET: 'not the secret' };
    await t.lab.stopAgent('network');
    t.lab.startAgent('network');
    const r = await fetchUntil('the restarted agent to answer', 'vm1', '/openstack/', 403);
    assert.equal((JSON.parse(r.body) as Seen).signed, false);
  });

  it('finds nothing to change in a forced full resync', async () => {
    for (const node of ['network', 'compute']) {
      const status = await agentStatus(t, node, '/resync', 'POST');
      const steps = status.last?.steps.filter((s) => s.changes > 0).map((s) => `${s.step}: ${s.changes}`);
      assert.equal(status.last?.changes, 0, `${node}: ${steps?.join(', ')}`);
    }
  });
});
