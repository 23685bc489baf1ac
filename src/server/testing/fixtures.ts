/** Small builders the API tests share: an external network, a project network, a router. */
import { ADMIN, type As, type TestServer } from './harness.js';

export interface NetworkFixture {
  readonly network: string;
  readonly subnet: string;
}

/** An admin's `router:external` network with one subnet without DHCP, as an operator makes it. */
export async function externalNetwork(s: TestServer, cidr = '203.0.113.0/24'): Promise<NetworkFixture> {
  const network = (await s.post('/v2.0/networks', { network: { name: 'public', 'router:external': true } }, ADMIN)).network.id;
  const subnet = (
    await s.post('/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr, enable_dhcp: false } }, ADMIN)
  ).subnet.id;
  return { network, subnet };
}

export async function projectNetwork(s: TestServer, as: As, cidr: string, name = 'net'): Promise<NetworkFixture> {
  const network = (await s.post('/v2.0/networks', { network: { name } }, as)).network.id;
  const subnet = (await s.post('/v2.0/subnets', { subnet: { network_id: network, ip_version: 4, cidr } }, as)).subnet.id;
  return { network, subnet };
}

/** A router of `as`, with its gateway on `external` when given. */
export async function router(s: TestServer, as: As, external?: string, name = 'r'): Promise<Record<string, any>> {
  const gateway = external ? { external_gateway_info: { network_id: external } } : {};
  return (await s.post('/v2.0/routers', { router: { name, ...gateway } }, as)).router;
}

export async function addInterface(s: TestServer, as: As, routerId: string, body: Record<string, string>) {
  return s.request('PUT', `/v2.0/routers/${routerId}/add_router_interface`, body, as);
}

export async function removeInterface(s: TestServer, as: As, routerId: string, body: Record<string, string>) {
  return s.request('PUT', `/v2.0/routers/${routerId}/remove_router_interface`, body, as);
}

/** The NeutronError type of a reply, for short assertions. */
export const errorType = (r: { body: Record<string, any> }): string | undefined => r.body.NeutronError?.type;

/** An L2 agent's heartbeat, as the agent of `host` sends it when it starts (its record is made or revived). */
export async function reportL2Agent(
  s: TestServer,
  host: string,
  mechanism: 'Open vSwitch agent' | 'Linux bridge agent',
  configurations: Record<string, unknown>,
): Promise<void> {
  const binary = mechanism === 'Open vSwitch agent' ? 'quark-agent' : 'quark-linuxbridge-agent';
  const agent = { host, agent_type: mechanism, binary, configurations, start_flag: true };
  const r = await s.request('POST', '/v2.0/quark/agents/report', { agent }, ADMIN);
  if (r.status >= 300) throw new Error(`agent report of ${host}: ${r.status} ${JSON.stringify(r.body)}`);
}
