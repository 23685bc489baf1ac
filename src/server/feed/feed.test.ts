import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FeedMessage } from '../../model/feed.js';
import { FeedReader } from '../testing/feed-reader.js';
import { reportL2Agent } from '../testing/fixtures.js';
import { ADMIN, type TestServer, testServer } from '../testing/harness.js';

const puts = (ms: FeedMessage[], kind: string) =>
  ms.flatMap((m) => (m.type === 'changes' ? m.changes.filter((c) => c.kind === kind && c.op === 'put').map((c) => c.id) : []));

describe('agent feed', () => {
  let s: TestServer;
  let url: string;
  before(async () => {
    s = await testServer({ feedHeartbeat: 1 });
    url = await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => s.close());

  const report = (host: string, start = true) =>
    s.request(
      'POST',
      '/v2.0/quark/agents/report',
      {
        agent: {
          host,
          agent_type: 'Open vSwitch agent',
          binary: 'quark-agent',
          configurations: { tunneling_ip: '198.18.1.1', tunnel_types: ['gre'] },
          start_flag: start,
        },
      },
      ADMIN,
    );

  it('sends a snapshot of the scope, then the changes that enter and leave it', async () => {
    const agentReply = await s.request('POST', '/v2.0/quark/agents/report', {
      agent: {
        host: 'compute1',
        agent_type: 'Open vSwitch agent',
        binary: 'quark-agent',
        configurations: { tunneling_ip: '198.18.1.1', tunnel_types: ['gre'] },
        start_flag: true,
      },
    });
    assert.equal(agentReply.status, 200);
    const mine = (await s.post('/v2.0/networks', { network: { name: 'mine' } })).network;
    const other = (await s.post('/v2.0/networks', { network: { name: 'other' } })).network;
    const feed = new FeedReader(url, 'host=compute1&roles=l2&since=0');
    await feed.until((ms) => ms.length > 0);
    const snap = feed.messages[0]!;
    assert.equal(snap.type, 'snapshot');
    assert.deepEqual(
      snap.type === 'snapshot' && snap.records.map((r) => r.kind),
      ['agent'],
      'only agents while no port is bound here',
    );

    const vm = (await s.post('/v2.0/ports', { port: { network_id: mine.id, 'binding:host_id': 'compute1' } })).port;
    assert.equal(vm['binding:vif_type'], 'ovs', 'bound: a live OVS agent serves the host and carries GRE');
    await feed.until((ms) => puts(ms, 'network').includes(mine.id) && puts(ms, 'port').includes(vm.id));
    // Without security groups: members of the host's groups are in scope (for remote-group rules).
    const otherPort = (await s.post('/v2.0/ports', { port: { network_id: other.id, port_security_enabled: false } })).port;
    const sameNet = (await s.post('/v2.0/ports', { port: { network_id: mine.id, 'binding:host_id': 'compute2' } })).port;
    await feed.until((ms) => puts(ms, 'port').includes(sameNet.id));
    assert.ok(!puts(feed.messages, 'port').includes(otherPort.id), 'a port of an unrelated network is out of scope');
    assert.ok(!puts(feed.messages, 'network').includes(other.id));

    await s.request('DELETE', `/v2.0/ports/${vm.id}`);
    await feed.until((ms) =>
      ms.some(
        (m) => m.type === 'changes' && m.changes.some((c) => c.kind === 'network' && c.id === mine.id && c.op === 'delete'),
      ),
    );
    feed.close();
  });

  it('does not echo heartbeats to other agents, and sends its own heartbeats', async () => {
    await report('compute3');
    const feed = new FeedReader(url, 'host=compute3&roles=l2&since=0');
    await feed.until((ms) => ms.length > 0);
    await report('compute3', false);
    await feed.until((ms) => ms.some((m) => m.type === 'heartbeat'), 3000);
    assert.equal(puts(feed.messages, 'agent').length, 0);
    feed.close();
  });

  it('resumes a dropped stream without a snapshot when the revision matches', async () => {
    await report('compute4');
    const first = new FeedReader(url, 'host=compute4&roles=l2&since=0');
    await first.until((ms) => ms.length > 0);
    const revision = first.messages.at(-1)!.revision;
    first.close();
    await first.done;
    await new Promise((r) => setTimeout(r, 50));
    const net = (await s.post('/v2.0/networks', { network: { name: 'later' } })).network;
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute4' } })).port;
    const second = new FeedReader(url, `host=compute4&roles=l2&since=${revision}`);
    await second.until((ms) => puts(ms, 'port').includes(port.id));
    assert.ok(
      second.messages.every((m) => m.type !== 'snapshot'),
      'resumed, no snapshot',
    );
    second.close();
    const fresh = new FeedReader(url, 'host=compute4&roles=l2&since=1000000000');
    await fresh.until((ms) => ms.length > 0);
    assert.equal(fresh.messages[0]!.type, 'snapshot', 'a revision this database never had starts over');
    fresh.close();
  });

  it('sets port status from agent reports, only for ports bound to that host', async () => {
    await report('compute5');
    const net = (await s.post('/v2.0/networks', { network: { name: 'st' } })).network;
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute5' } })).port;
    const wrong = await s.request('POST', '/v2.0/quark/ports/status', { host: 'compute9', up: [port.id] });
    assert.equal(wrong.body.changed, 0);
    const right = await s.request('POST', '/v2.0/quark/ports/status', { host: 'compute5', up: [port.id] });
    assert.equal(right.body.changed, 1);
    assert.equal((await s.get(`/v2.0/ports/${port.id}`)).port.status, 'ACTIVE');
    const member = await s.request(
      'POST',
      '/v2.0/quark/ports/status',
      { host: 'compute5', down: [port.id] },
      { project: 'x', roles: 'member' },
    );
    assert.equal(member.status, 403);
  });

  it('records how long the agent took from plug to ACTIVE as a metric, and refuses a malformed figure', async () => {
    await report('compute7');
    const net = (await s.post('/v2.0/networks', { network: { name: 'w' } })).network;
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute7' } })).port;
    const bad = await s.request('POST', '/v2.0/quark/ports/status', {
      host: 'compute7',
      up: [port.id],
      wired_ms: { [port.id]: -1 },
    });
    assert.equal(bad.status, 400);
    assert.equal((await s.get(`/v2.0/ports/${port.id}`)).port.status, 'DOWN', 'a refused report changes nothing');
    await s.request('POST', '/v2.0/quark/ports/status', { host: 'compute7', up: [port.id], wired_ms: { [port.id]: 42 } });
    // A retried report changes no status and counts nothing more.
    await s.request('POST', '/v2.0/quark/ports/status', { host: 'compute7', up: [port.id], wired_ms: { [port.id]: 43 } });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^quark_port_wiring_seconds_count\{host="compute7"\} 1$/m);
    assert.match(metrics, /^quark_port_wiring_seconds_bucket\{le="0\.05",host="compute7"\} 1$/m);
  });

  it('fails the binding of a host without a live agent, and binds it once the agent appears', async () => {
    const net = (await s.post('/v2.0/networks', { network: { name: 'b' } })).network;
    const port = (await s.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'compute6' } })).port;
    assert.equal(port['binding:vif_type'], 'binding_failed');
    await report('compute6');
    assert.equal((await s.get(`/v2.0/ports/${port.id}`)).port['binding:vif_type'], 'ovs');
  });

  it("binds the ports of a Linux bridge agent's host with vif_type bridge, and refuses it a GRE network", async () => {
    await reportL2Agent(s, 'lbhost', 'Linux bridge agent', {
      tunneling_ip: '198.18.1.9',
      tunnel_types: ['vxlan'],
      interface_mappings: {},
    });
    const vxlan = (await s.post('/v2.0/networks', { network: { name: 'vx', 'provider:network_type': 'vxlan' } })).network;
    const gre = (await s.post('/v2.0/networks', { network: { name: 'gr', 'provider:network_type': 'gre' } })).network;
    const ok = (await s.post('/v2.0/ports', { port: { network_id: vxlan.id, 'binding:host_id': 'lbhost' } })).port;
    assert.equal(ok['binding:vif_type'], 'bridge');
    assert.deepEqual(ok['binding:vif_details'], { port_filter: true, connectivity: 'l2' });
    const refused = (await s.post('/v2.0/ports', { port: { network_id: gre.id, 'binding:host_id': 'lbhost' } })).port;
    assert.equal(refused['binding:vif_type'], 'binding_failed');
    const { agents } = await s.get('/v2.0/agents?host=lbhost');
    assert.deepEqual(
      agents.map((a: { agent_type: string; availability_zone: string | null }) => [a.agent_type, a.availability_zone]),
      [['Linux bridge agent', null]],
    );
  });

  it('tells a DHCP agent which networks are scheduled to it, also when the network stays in scope for its L2 role', async () => {
    await report('netnode');
    await s.request('POST', '/v2.0/quark/agents/report', {
      agent: { host: 'netnode', agent_type: 'DHCP agent', binary: 'quark-dhcp-agent', topic: 'dhcp_agent', start_flag: true },
    });
    const net = (await s.post('/v2.0/networks', { network: { name: 'served' } })).network;
    const sub = (await s.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.7.0.0/24' } })).subnet;
    // A port of the L2 role keeps the network in scope after DHCP is disabled.
    await s.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'netnode' } });
    const feed = new FeedReader(url, 'host=netnode&roles=l2,dhcp&since=0');
    await feed.until((ms) => ms.length > 0);
    const snap = feed.messages[0]!;
    assert.ok(snap.type === 'snapshot' && snap.dhcpNetworks?.includes(net.id), 'the snapshot names the served network');
    await s.request('PUT', `/v2.0/subnets/${sub.id}`, { subnet: { enable_dhcp: false } });
    await feed.until((ms) =>
      ms.some((m) => m.type === 'changes' && m.dhcpNetworks !== undefined && !m.dhcpNetworks.includes(net.id)),
    );
    const l2Only = new FeedReader(url, 'host=compute1&roles=l2&since=0');
    await l2Only.until((ms) => ms.length > 0);
    assert.equal(
      l2Only.messages[0]!.type === 'snapshot' && l2Only.messages[0]!.dhcpNetworks,
      undefined,
      'only for the dhcp role',
    );
    l2Only.close();
    feed.close();
  });
});
