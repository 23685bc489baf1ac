// The client tier for HA routers (docs/l3.md): Debian's `openstack` CLI makes an HA router with
// `router create --ha` and shows which L3 agent holds it active with `network agent list
// --router <r> --long`. Two L3 agents report and make their HA ports through the API as
// `quark agent` does (agent/ha-ports.ts, agent/ha-states.ts); no data plane here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type QuarkServer, openstack, openstackJson, openstackOk, startBootstrappedServer } from '../testing/quark-process.js';

describe('openstack CLI: HA routers', () => {
  let server: QuarkServer;
  let admin: NodeJS.ProcessEnv;
  let token = '';
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-auth-token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  const hosts = ['net1', 'net2'];

  before(async () => {
    // Two L3 agents host each HA router (the default is 3, at most the live ones).
    ({ server, admin } = await startBootstrappedServer('pw'));
    token = (await openstackOk(['token', 'issue', '-f', 'value', '-c', 'id'], admin)).trim();
    for (const host of hosts) {
      await api('POST', '/v2.0/quark/agents/report', {
        agent: { host, agent_type: 'L3 agent', binary: 'quark-agent', topic: 'l3_agent', configurations: {}, start_flag: true },
      });
    }
  });
  after(async () => {
    await server?.stop();
  });

  it('router create --ha makes an HA router with its project’s HA network', async () => {
    const router = await openstackJson(['router', 'create', '--ha', 'r-ha'], admin);
    assert.equal(router.ha, true);
    const legacy = await openstackJson(['router', 'create', '--no-ha', 'r-legacy'], admin);
    assert.equal(legacy.ha, false);
    const nets = await openstackJson(['network', 'list', '--long'], admin);
    const ha = nets.filter((n: { Name: string }) => n.Name === `HA network tenant ${router.project_id}`);
    assert.equal(ha.length, 1, JSON.stringify(nets));
    assert.equal(ha[0].Project, '', 'the HA network belongs to no project');
  });

  it('network agent list --router --long shows each agent’s HA state, as the agents report it', async () => {
    const router = await openstackJson(['router', 'show', 'r-ha'], admin);
    const { networks } = await api<{ networks: { id: string }[] }>(
      'GET',
      `/v2.0/networks?name=${encodeURIComponent(`HA network tenant ${router.project_id}`)}`,
    );
    for (const host of hosts) {
      await api('POST', '/v2.0/ports', {
        port: {
          network_id: networks[0]!.id,
          project_id: '',
          name: `HA port tenant ${router.project_id}`,
          device_owner: 'network:router_ha_interface',
          device_id: router.id,
          'binding:host_id': host,
          port_security_enabled: false,
        },
      });
    }
    const states = async () =>
      Object.fromEntries(
        (await openstackJson(['network', 'agent', 'list', '--router', 'r-ha', '--long'], admin)).map(
          (a: { Host: string; 'HA State': string }) => [a.Host, a['HA State']],
        ),
      );
    // Before any report both are standby, as Neutron's bindings start.
    assert.deepEqual(await states(), { net1: 'standby', net2: 'standby' });
    await api('POST', '/v2.0/quark/routers/ha_states', { host: 'net2', states: { [router.id]: 'active' } });
    assert.deepEqual(await states(), { net1: 'standby', net2: 'active' });
    const plain = await openstack(['network', 'agent', 'list', '--router', 'r-legacy', '--long', '-f', 'json'], admin);
    assert.equal(plain.code, 0, plain.stderr);
  });
});
