/**
 * The authorization matrix: every route the server serves (taken from its route table, so a new
 * route without a row fails here) × every kind of caller, each with a real Keystone token of the
 * built-in identity API (admin; member and reader of project P; member of project Q; no token;
 * an expired token; a revoked token) × every kind of object the route can name (P's, Q's, on a
 * shared network, on an external network). Each cell asserts the HTTP status, and every answer is
 * searched for objects the caller may not see (lists included).
 *
 * Project P owns a private network NP and the shared network S; project Q owns NQ and a port on S;
 * the admin owns the external network E. Calls that should succeed and change something get a
 * fresh object made for them, so the shared world stays as described for the other cells.
 * The identity API's own routes (`/v3`, `/identity/v3`) have their tests in `identity/`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, type IdentityTestServer, identityServer } from './testing/identity-harness.js';

type Who = 'admin' | 'member' | 'reader' | 'other';
type Caller = Who | 'anonymous' | 'expired' | 'revoked';
type Slot = 'P' | 'Q' | 'shared' | 'external' | 'agent' | 'none';
/** An exact status, or 'authorized' where only "not 401/403" can be asserted (a route that needs an agent). */
type Expected = number | 'authorized';
type ByWho = Readonly<Record<Who, Expected>>;
type Table = Partial<Readonly<Record<Slot, ByWho>>>;

const WHO: readonly Who[] = ['admin', 'member', 'reader', 'other'];
const CALLERS: readonly Caller[] = [...WHO, 'anonymous', 'expired', 'revoked'];
const by = (admin: Expected, member: Expected, reader: Expected, other: Expected): ByWho => ({ admin, member, reader, other });
const all = (status: Expected) => by(status, status, status, status);
const adminOnly = (status: Expected, refused: number) => by(status, refused, refused, refused);

/** The usual answers for a project's own records, by slot: P's records are the member's and reader's, Q's the other's. */
function crud(ok: number, extra: Table = {}): { read: Table; write: Table; remove: Table } {
  return {
    read: { P: by(ok, ok, ok, 404), Q: by(ok, 404, 404, ok), ...extra },
    write: { P: by(ok, ok, 403, 404), Q: by(ok, 404, 404, ok), ...extra },
    remove: { P: by(ok, ok, 403, 404), Q: by(ok, 404, 404, ok), ...extra },
  };
}

interface World {
  readonly projects: { P: string; Q: string; admin: string };
  /** Id of the world's object of each kind in each slot. */
  readonly ids: Record<string, Partial<Record<Slot, string>>>;
  readonly agent: string;
}

interface Request {
  readonly path: string;
  readonly body?: unknown;
}

/** One row: how to call a route for a slot, and what each caller gets. */
interface Row {
  readonly table: Table;
  /** The request; `fresh` is true when the call is expected to succeed and may change its object. */
  request(slot: Slot, fresh: boolean): Promise<Request>;
}

describe('authorization matrix: every route × caller × object', () => {
  let s: IdentityTestServer;
  let tokens: Record<Caller, string | undefined>;
  let world: World;
  /** Who may see each object the test made (by id); anything else with a foreign project is a leak. */
  const visibleTo = new Map<string, ReadonlySet<Who>>();
  let cidr = 0;

  const ok = async (method: string, path: string, body?: unknown, token = tokens.admin): Promise<Record<string, any>> => {
    const r = await s.request(method, path, { token, body });
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const see = (id: string, who: readonly Who[]) => {
    visibleTo.set(id, new Set(who));
    return id;
  };
  const P_SIDE: readonly Who[] = ['admin', 'member', 'reader'];
  const Q_SIDE: readonly Who[] = ['admin', 'other'];
  const side = (slot: Slot): readonly Who[] =>
    slot === 'P' ? P_SIDE : slot === 'Q' ? Q_SIDE : slot === 'shared' || slot === 'external' ? WHO : ['admin'];
  const projectOf = (slot: Slot) =>
    slot === 'Q' ? world.projects.Q : slot === 'P' || slot === 'shared' ? world.projects.P : world.projects.admin;

  // Factories: a new object of a kind in a slot, registered with who may see it.
  const make = {
    network: async (slot: Slot) => {
      const extra = slot === 'shared' ? { shared: true } : slot === 'external' ? { 'router:external': true } : {};
      const { network } = await ok('POST', '/v2.0/networks', { network: { project_id: projectOf(slot), ...extra } });
      await ok('PUT', `/v2.0/networks/${network.id}/tags/t`);
      return see(network.id, side(slot));
    },
    subnet: async (slot: Slot, network?: string) => {
      const net = network ?? (await make.network(slot));
      cidr++;
      const { subnet } = await ok('POST', '/v2.0/subnets', {
        subnet: {
          network_id: net,
          project_id: projectOf(slot),
          ip_version: 4,
          cidr: `10.${100 + (cidr >> 8)}.${cidr & 255}.0/24`,
        },
      });
      await ok('PUT', `/v2.0/subnets/${subnet.id}/tags/t`);
      return see(subnet.id, side(slot));
    },
    port: async (slot: Slot) => {
      // P's port on NP, Q's on NQ, Q's on P's shared network S, the admin's on the external network E.
      const network = world.ids.network![slot === 'shared' ? 'shared' : slot]!;
      const project = slot === 'shared' ? world.projects.Q : projectOf(slot);
      const { port } = await ok('POST', '/v2.0/ports', { port: { network_id: network, project_id: project } });
      await ok('PUT', `/v2.0/ports/${port.id}/tags/t`);
      const who = slot === 'shared' ? WHO : slot === 'external' ? (['admin'] as const) : side(slot);
      return see(port.id, who);
    },
    router: async (slot: Slot) => {
      const { router } = await ok('POST', '/v2.0/routers', { router: { project_id: projectOf(slot) } });
      await ok('PUT', `/v2.0/routers/${router.id}/tags/t`);
      return see(router.id, side(slot));
    },
    floatingip: async (slot: Slot) => {
      const { floatingip } = await ok('POST', '/v2.0/floatingips', {
        floatingip: { floating_network_id: world.ids.network!.external, project_id: projectOf(slot) },
      });
      await ok('PUT', `/v2.0/floatingips/${floatingip.id}/tags/t`);
      // Its address holder is a port of no project on E: nobody but the admin sees it.
      return see(floatingip.id, side(slot));
    },
    security_group: async (slot: Slot) => {
      const { security_group } = await ok('POST', '/v2.0/security-groups', {
        security_group: { name: `g${++cidr}`, project_id: projectOf(slot) },
      });
      await ok('PUT', `/v2.0/security-groups/${security_group.id}/tags/t`);
      for (const r of security_group.security_group_rules) see(r.id, side(slot));
      return see(security_group.id, side(slot));
    },
    security_group_rule: async (slot: Slot) => {
      const group = await make.security_group(slot);
      const { security_group_rule } = await ok('POST', '/v2.0/security-group-rules', {
        security_group_rule: {
          security_group_id: group,
          direction: 'ingress',
          protocol: 'tcp',
          port_range_min: ++cidr,
          port_range_max: cidr,
        },
      });
      return see(security_group_rule.id, side(slot));
    },
    // The shared slot: P's group, shared with Q by an RBAC policy (rbac-address-group).
    address_group: async (slot: Slot) => {
      const { address_group } = await ok('POST', '/v2.0/address-groups', {
        address_group: { name: `ag${++cidr}`, project_id: projectOf(slot), addresses: ['10.50.0.0/16'] },
      });
      if (slot === 'shared') {
        await ok('POST', '/v2.0/rbac-policies', {
          rbac_policy: {
            object_type: 'address_group',
            object_id: address_group.id,
            action: 'access_as_shared',
            target_tenant: world.projects.Q,
          },
        });
      }
      return see(address_group.id, side(slot));
    },
    // Network logs are the admin's business alone (neutron/conf/policies/logging.py), whoever's project they log.
    log: async (slot: Slot) => {
      const { log } = await ok('POST', '/v2.0/log/logs', {
        log: { name: `log${++cidr}`, project_id: projectOf(slot), resource_type: 'security_group' },
      });
      return see(log.id, ['admin']);
    },
    // Router extensions: a port forwarding needs a port behind a router with a gateway on E.
    port_forwarding: async (slot: Slot) => {
      const base = await forwardingBase(slot);
      const { port } = await ok('POST', '/v2.0/ports', { port: { network_id: base, project_id: projectOf(slot) } });
      see(port.id, side(slot));
      const fip = await make.floatingip(slot);
      const { port_forwarding } = await ok('POST', `/v2.0/floatingips/${fip}/port_forwardings`, {
        port_forwarding: {
          internal_port_id: port.id,
          internal_ip_address: port.fixed_ips[0].ip_address,
          protocol: 'tcp',
          internal_port: ++cidr,
          external_port: cidr,
        },
      });
      parentOf.set(port_forwarding.id, fip);
      return see(port_forwarding.id, side(slot));
    },
    conntrack_helper: async (slot: Slot) => {
      const router = world.ids.router![slot]!;
      const { conntrack_helper } = await ok('POST', `/v2.0/routers/${router}/conntrack_helpers`, {
        conntrack_helper: { protocol: 'tcp', port: ++cidr, helper: 'ftp' },
      });
      parentOf.set(conntrack_helper.id, router);
      return see(conntrack_helper.id, side(slot));
    },
    // Metering is the admin's alone (neutron/conf/policies/metering.py), whoever's project a label counts for.
    metering_label: async (slot: Slot) => {
      const { metering_label } = await ok('POST', '/v2.0/metering/metering-labels', {
        metering_label: { name: `m${++cidr}`, project_id: projectOf(slot) },
      });
      return see(metering_label.id, ['admin']);
    },
    metering_label_rule: async (slot: Slot) => {
      const label = await make.metering_label(slot);
      const { metering_label_rule } = await ok('POST', '/v2.0/metering/metering-label-rules', {
        metering_label_rule: { metering_label_id: label, direction: 'egress', remote_ip_prefix: '10.70.0.0/16' },
      });
      return see(metering_label_rule.id, ['admin']);
    },
    // A local IP on the slot's network (its address holder is a port of the slot's project) and
    // an association with a new port of the slot; associations are named by their port.
    local_ip: async (slot: Slot) => {
      const { local_ip } = await ok('POST', '/v2.0/local-ips', {
        local_ip: { network_id: world.ids.network![slot], project_id: projectOf(slot) },
      });
      see(local_ip.local_port_id, side(slot));
      return see(local_ip.id, side(slot));
    },
    local_ip_association: async (slot: Slot) => {
      const lip = await make.local_ip(slot);
      const port = await make.port(slot);
      await ok('POST', `/v2.0/local_ips/${lip}/port_associations`, { port_association: { fixed_port_id: port } });
      parentOf.set(port, lip);
      return port;
    },
    // A trunk on a new port of the slot, with one new port of the slot as its subport (VLAN 1).
    trunk: async (slot: Slot) => {
      const parent = await make.port(slot);
      const sub = await make.port(slot);
      const { trunk } = await ok('POST', '/v2.0/trunks', {
        trunk: {
          port_id: parent,
          project_id: projectOf(slot),
          sub_ports: [{ port_id: sub, segmentation_type: 'vlan', segmentation_id: 1 }],
        },
      });
      await ok('PUT', `/v2.0/trunks/${trunk.id}/tags/t`);
      parentOf.set(trunk.id, sub);
      return see(trunk.id, side(slot));
    },
    subnetpool: async (slot: Slot) => {
      const { subnetpool } = await ok('POST', '/v2.0/subnetpools', {
        subnetpool: { name: `sp${++cidr}`, project_id: projectOf(slot), prefixes: [`10.${200 + (cidr & 31)}.0.0/16`] },
      });
      await ok('PUT', `/v2.0/subnetpools/${subnetpool.id}/tags/t`);
      return see(subnetpool.id, side(slot));
    },
    address_scope: async (slot: Slot) => {
      const { address_scope } = await ok('POST', '/v2.0/address-scopes', {
        address_scope: { name: `as${++cidr}`, project_id: projectOf(slot), ip_version: 4 },
      });
      return see(address_scope.id, side(slot));
    },
    // A policy sharing a fresh network of the slot with a project nobody here belongs to.
    rbac_policy: async (slot: Slot) => {
      const { rbac_policy } = await ok('POST', '/v2.0/rbac-policies', {
        rbac_policy: {
          object_type: 'network',
          object_id: await make.network(slot),
          action: 'access_as_shared',
          target_tenant: `elsewhere-${++cidr}`,
          project_id: projectOf(slot),
        },
      });
      return see(rbac_policy.id, side(slot));
    },
    // QoS policies are made by the admin for a project; the shared slot's is P's, shared with all.
    qos_policy: async (slot: Slot) => {
      const { policy } = await ok('POST', '/v2.0/qos/policies', {
        policy: { name: `qos${++cidr}`, project_id: projectOf(slot), shared: slot === 'shared' },
      });
      await ok('PUT', `/v2.0/policies/${policy.id}/tags/t`);
      return see(policy.id, side(slot));
    },
    // Each rule on a fresh policy of the slot.
    qos_bandwidth_limit_rule: (slot: Slot) => qosRule(slot, 'bandwidth_limit', { max_kbps: 1000 }),
    qos_dscp_marking_rule: (slot: Slot) => qosRule(slot, 'dscp_marking', { dscp_mark: 26 }),
    qos_minimum_bandwidth_rule: (slot: Slot) => qosRule(slot, 'minimum_bandwidth', { min_kbps: 100 }),
    qos_packet_rate_limit_rule: (slot: Slot) => qosRule(slot, 'packet_rate_limit', { max_kpps: 10 }),
    qos_minimum_packet_rate_rule: (slot: Slot) => qosRule(slot, 'minimum_packet_rate', { min_kpps: 1 }),
    // Flavors are everyone's to read and the admin's to manage; service profiles the admin's alone.
    flavor: async () => {
      const { flavor } = await ok('POST', '/v2.0/flavors', { flavor: { name: `f${++cidr}`, service_type: 'L3_ROUTER_NAT' } });
      return see(flavor.id, WHO);
    },
    // Network segment ranges are the admin's alone (network_segment_range.py); each test range its own ids.
    network_segment_range: async () => {
      const base = 3000 + 10 * ++cidr;
      const { network_segment_range } = await ok('POST', '/v2.0/network-segment-ranges', {
        network_segment_range: { network_type: 'vxlan', minimum: base, maximum: base + 5 },
      });
      return see(network_segment_range.id, ['admin']);
    },
    service_profile: async () => {
      const { service_profile } = await ok('POST', '/v2.0/service_profiles', {
        service_profile: { description: `sp${++cidr}`, metainfo: '{}' },
      });
      return see(service_profile.id, ['admin']);
    },
    agent: async () => {
      const { agent } = await ok('POST', '/v2.0/quark/agents/report', {
        agent: { host: `host-${++cidr}`, agent_type: 'L3 agent', binary: 'quark-agent' },
      });
      return see(agent.id, ['admin']);
    },
  };
  type Kind = keyof typeof make;
  async function qosRule(slot: Slot, type: string, body: Record<string, unknown>): Promise<string> {
    const policy = await make.qos_policy(slot);
    const created = await ok('POST', `/v2.0/qos/policies/${policy}/${type}_rules`, { [`${type}_rule`]: body });
    const id = created[`${type}_rule`].id as string;
    parentOf.set(id, policy);
    return see(id, side(slot));
  }
  /** The floating IP of each port forwarding and the router of each conntrack helper the test made. */
  const parentOf = new Map<string, string>();
  /** Per slot, a network of the slot's project behind a router of its with a gateway on E. */
  const bases = new Map<Slot, string>();
  async function forwardingBase(slot: Slot): Promise<string> {
    const known = bases.get(slot);
    if (known) return known;
    const subnet = await make.subnet(slot);
    const network = (await ok('GET', `/v2.0/subnets/${subnet}`)).subnet.network_id as string;
    const { router } = await ok('POST', '/v2.0/routers', {
      router: { project_id: projectOf(slot), external_gateway_info: { network_id: world.ids.network!.external } },
    });
    see(router.id, side(slot));
    await ok('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet });
    bases.set(slot, network);
    return network;
  }
  const idOf = async (kind: Kind, slot: Slot, fresh: boolean): Promise<string> => {
    if (kind === 'agent') return fresh ? make.agent() : world.agent;
    if (kind === 'flavor' || kind === 'service_profile' || kind === 'network_segment_range')
      return fresh ? make[kind]() : world.ids[kind]!.none!;
    return fresh ? make[kind](slot) : world.ids[kind]![slot]!;
  };

  before(async () => {
    const unlimited = -1;
    s = await identityServer({
      quotaSubnetpool: unlimited,
      quotaRbacPolicy: unlimited,
      quotaNetwork: unlimited,
      quotaSubnet: unlimited,
      quotaPort: unlimited,
      quotaRouter: unlimited,
      quotaFloatingip: unlimited,
      quotaSecurityGroup: unlimited,
      quotaSecurityGroupRule: unlimited,
    });
    const admin = await s.adminToken();
    const p = await s.account('proj-p', 'member');
    const q = await s.account('proj-q', 'member');
    // A reader of P: a second user of the same project.
    const { user } = (
      await s.request('POST', '/v3/users', { token: admin, body: { user: { name: 'p-reader', password: 'rp' } } })
    ).body;
    const reader = (await s.request('GET', '/v3/roles?name=reader', { token: admin })).body.roles[0].id;
    await s.request('PUT', `/v3/projects/${p.projectId}/users/${user.id}/roles/${reader}`, { token: admin });
    const scope = (name: string) => ({ project: { name, domain: { name: 'Default' } } });
    // The expired token is issued first; then the clock passes its expiry and the others are issued.
    const expired = await s.login('proj-p-user', p.password);
    s.clock += (s.config.tokenExpiration + 1) * 1000;
    const adminNow = await s.login('admin', ADMIN_PASSWORD);
    const revoked = await s.login('proj-q-user', q.password);
    const gone = await s.request('DELETE', '/v3/auth/tokens', { token: adminNow, headers: { 'x-subject-token': revoked } });
    assert.equal(gone.status, 204);
    tokens = {
      admin: adminNow,
      member: await s.login('proj-p-user', p.password),
      reader: await s.login('p-reader', 'rp', scope('proj-p')),
      other: await s.login('proj-q-user', q.password),
      anonymous: undefined,
      expired,
      revoked,
    };
    const adminProject = (
      await s.request('GET', '/v3/auth/tokens', { token: adminNow, headers: { 'x-subject-token': adminNow } })
    ).body.token.project.id;
    world = { projects: { P: p.projectId, Q: q.projectId, admin: adminProject }, ids: {}, agent: '' };
    const ids = world.ids;
    ids.network = {};
    for (const slot of ['P', 'Q', 'shared', 'external'] as const) ids.network[slot] = await make.network(slot);
    ids.subnet = {};
    for (const slot of ['P', 'Q', 'shared', 'external'] as const) ids.subnet[slot] = await make.subnet(slot, ids.network[slot]);
    ids.port = {};
    for (const slot of ['P', 'Q', 'shared', 'external'] as const) ids.port[slot] = await make.port(slot);
    for (const kind of [
      'router',
      'floatingip',
      'security_group',
      'security_group_rule',
      'address_group',
      'log',
      'port_forwarding',
      'conntrack_helper',
      'metering_label',
      'metering_label_rule',
      'local_ip',
      'local_ip_association',
      'subnetpool',
      'address_scope',
      'rbac_policy',
      'trunk',
    ] as const) {
      ids[kind] = {};
      for (const slot of ['P', 'Q'] as const) ids[kind][slot] = await make[kind](slot);
    }
    ids.address_group!.shared = await make.address_group('shared');
    for (const kind of [
      'qos_policy',
      'qos_bandwidth_limit_rule',
      'qos_dscp_marking_rule',
      'qos_minimum_bandwidth_rule',
      'qos_packet_rate_limit_rule',
      'qos_minimum_packet_rate_rule',
    ] as const) {
      ids[kind] = {};
      for (const slot of ['P', 'Q', 'shared'] as const) ids[kind][slot] = await make[kind](slot);
    }
    ids.flavor = { none: await make.flavor() };
    ids.service_profile = { none: await make.service_profile() };
    ids.network_segment_range = { none: await make.network_segment_range() };
    (world as { agent: string }).agent = await make.agent();
    // Default security groups appear when a project lists its groups; let them exist before the matrix looks.
    for (const who of WHO) await ok('GET', '/v2.0/security-groups', undefined, tokens[who]);
    for (const who of ['member', 'other'] as const) {
      const { security_groups } = await ok('GET', '/v2.0/security-groups', undefined, tokens[who]);
      for (const g of security_groups) {
        if (!visibleTo.has(g.id)) see(g.id, who === 'member' ? P_SIDE : Q_SIDE);
        for (const r of g.security_group_rules) if (!visibleTo.has(r.id)) see(r.id, who === 'member' ? P_SIDE : Q_SIDE);
      }
    }
  });
  after(() => s.close());

  // Resources with the generic routes: collection path → (kind, slots, the read/write/delete table).
  const NETWORK_EXTRA = {
    read: { shared: all(200), external: all(200) },
    write: { shared: by(200, 200, 403, 403), external: adminOnly(200, 403) },
    remove: { shared: by(204, 204, 403, 403), external: adminOnly(204, 403) },
  };
  const SUBNET_EXTRA = {
    // A subnet of an external network that is not shared is its owner's alone (get_subnet: owner or rule:shared).
    read: { shared: all(200), external: adminOnly(200, 404) },
    write: { shared: by(200, 200, 403, 403), external: adminOnly(200, 404) },
    remove: { shared: by(204, 204, 403, 403), external: adminOnly(204, 404) },
  };
  const PORT_EXTRA = {
    // S is P's: P's member reads and deletes Q's port on it, but does not change it (Neutron's port.py).
    read: { shared: all(200), external: adminOnly(200, 404) },
    write: { shared: by(200, 403, 403, 200), external: adminOnly(200, 404) },
    remove: { shared: by(204, 204, 403, 204), external: adminOnly(204, 404) },
  };
  // An address group shared with Q: Q reads it; its update is 404 (Neutron's check leaves `shared`
  // out), its delete 403.
  const ADDRESS_GROUP_EXTRA = {
    read: { shared: all(200) },
    write: { shared: by(200, 200, 403, 404) },
    remove: { shared: by(204, 204, 403, 403) },
  };
  type Extra = { read: Table; write: Table; remove: Table };
  const COLLECTIONS: Record<string, { kind: Kind; member: string; extra?: Extra; put: Record<string, unknown> }> = {
    networks: { kind: 'network', member: 'network', extra: NETWORK_EXTRA, put: { name: 'x' } },
    subnets: { kind: 'subnet', member: 'subnet', extra: SUBNET_EXTRA, put: { name: 'x' } },
    ports: { kind: 'port', member: 'port', extra: PORT_EXTRA, put: { name: 'x' } },
    routers: { kind: 'router', member: 'router', put: { name: 'x' } },
    floatingips: { kind: 'floatingip', member: 'floatingip', put: { description: 'x' } },
    'security-groups': { kind: 'security_group', member: 'security_group', put: { description: 'x' } },
    'security-group-rules': { kind: 'security_group_rule', member: 'security_group_rule', put: {} },
    'address-groups': { kind: 'address_group', member: 'address_group', extra: ADDRESS_GROUP_EXTRA, put: { description: 'x' } },
    local_ips: { kind: 'local_ip', member: 'local_ip', put: { name: 'x' } },
    // Neutron's other spelling of the same collection.
    'local-ips': { kind: 'local_ip', member: 'local_ip', put: { name: 'x' } },
    subnetpools: { kind: 'subnetpool', member: 'subnetpool', put: { description: 'x' } },
    'address-scopes': { kind: 'address_scope', member: 'address_scope', put: { name: 'x' } },
    'rbac-policies': { kind: 'rbac_policy', member: 'rbac_policy', put: { target_tenant: 'elsewhere' } },
    trunks: { kind: 'trunk', member: 'trunk', put: { name: 'x' } },
  };
  /** Kinds without the tags sub-resource (Neutron's standard-attr-tag list does not name them). */
  const UNTAGGED: ReadonlySet<Kind> = new Set([
    'security_group_rule',
    'address_group',
    'local_ip',
    'address_scope',
    'rbac_policy',
  ]);

  function rows(): Map<string, Row> {
    const out = new Map<string, Row>();
    const add = (route: string, table: Table, request: Row['request']) => out.set(route, { table, request });
    const fixed = (path: string, body?: unknown) => async () => ({ path, body });

    add('GET /', { none: all(200) }, fixed('/'));
    add('GET /healthz', { none: all(200) }, fixed('/healthz'));
    add('GET /livez', { none: all(200) }, fixed('/livez'));
    add('GET /metrics', { none: all(200) }, fixed('/metrics'));
    for (const path of ['/v2.0', '/v2.0/', '/v2.0/extensions', '/v2.0/extensions/router'])
      add(`GET ${path.replace('/router', '/:alias')}`, { none: all(200) }, fixed(path));

    for (const [path, c] of Object.entries(COLLECTIONS)) {
      const base = `/v2.0/${path}`;
      const t200 = crud(200, c.extra?.read);
      const t = {
        read: t200.read,
        write: { ...crud(200).write, ...c.extra?.write },
        remove: { ...crud(204).remove, ...c.extra?.remove },
        tagged: {
          ...crud(204).read,
          ...(c.extra ? { shared: all(204), external: c.kind === 'network' ? all(204) : adminOnly(204, 404) } : {}),
        },
        added: (() => {
          const w = { ...crud(201).write };
          if (c.extra && !UNTAGGED.has(c.kind)) {
            const e = c.extra.write as typeof NETWORK_EXTRA.write;
            (w as Record<string, ByWho>).shared = by(
              201,
              e.shared.member === 200 ? 201 : e.shared.member,
              e.shared.reader,
              e.shared.other === 200 ? 201 : e.shared.other,
            );
            (w as Record<string, ByWho>).external = by(201, e.external.member, e.external.reader, e.external.other);
          }
          return w;
        })(),
      };
      const id = (slot: Slot, fresh: boolean) => idOf(c.kind, slot, fresh);
      add(`GET ${base}`, { none: all(200) }, fixed(base));
      add(`GET ${base}/:id`, t.read, async (slot) => ({ path: `${base}/${await id(slot, false)}` }));
      add(`PUT ${base}/:id`, t.write, async (slot, fresh) => ({
        path: `${base}/${await id(slot, fresh)}`,
        body: { [c.member]: c.put },
      }));
      add(`DELETE ${base}/:id`, t.remove, async (slot, fresh) => ({ path: `${base}/${await id(slot, fresh)}` }));
      if (UNTAGGED.has(c.kind)) continue;
      add(`GET ${base}/:id/tags`, t.read, async (slot) => ({ path: `${base}/${await id(slot, false)}/tags` }));
      add(`GET ${base}/:id/tags/:tag`, t.tagged, async (slot) => ({ path: `${base}/${await id(slot, false)}/tags/t` }));
      add(`PUT ${base}/:id/tags`, t.write, async (slot, fresh) => ({
        path: `${base}/${await id(slot, fresh)}/tags`,
        body: { tags: ['t', 'u'] },
      }));
      add(`PUT ${base}/:id/tags/:tag`, t.added, async (slot, fresh) => ({ path: `${base}/${await id(slot, fresh)}/tags/v` }));
      // Removing tags is an update of the resource (update_<resource>), answered 204.
      const untagged = Object.fromEntries(
        Object.entries(t.write).map(([k, v]) => [
          k,
          Object.fromEntries(Object.entries(v).map(([w, x]) => [w, x === 200 ? 204 : x])),
        ]),
      ) as Table;
      add(`DELETE ${base}/:id/tags`, untagged, async (slot, fresh) => ({ path: `${base}/${await id(slot, fresh)}/tags` }));
      add(`DELETE ${base}/:id/tags/:tag`, untagged, async (slot, fresh) => ({ path: `${base}/${await id(slot, fresh)}/tags/t` }));
    }

    // Creates, by the object they are made on or in.
    add('POST /v2.0/networks', { none: by(201, 201, 403, 201) }, fixed('/v2.0/networks', { network: { name: 'n' } }));
    add(
      'POST /v2.0/subnets',
      {
        P: by(201, 201, 403, 404),
        Q: by(201, 404, 404, 201),
        shared: by(201, 201, 403, 403),
        external: adminOnly(201, 403),
      },
      async (slot) => {
        cidr++;
        return {
          path: '/v2.0/subnets',
          body: {
            subnet: { network_id: world.ids.network![slot], ip_version: 4, cidr: `10.${100 + (cidr >> 8)}.${cidr & 255}.0/24` },
          },
        };
      },
    );
    add(
      'POST /v2.0/ports',
      { P: by(201, 201, 403, 404), Q: by(201, 404, 404, 201), shared: by(201, 201, 403, 201), external: adminOnly(201, 403) },
      async (slot) => ({ path: '/v2.0/ports', body: { port: { network_id: world.ids.network![slot] } } }),
    );
    add('POST /v2.0/routers', { none: by(201, 201, 403, 201) }, fixed('/v2.0/routers', { router: { name: 'r' } }));
    add('POST /v2.0/floatingips', { external: by(201, 201, 403, 201) }, async () => ({
      path: '/v2.0/floatingips',
      body: { floatingip: { floating_network_id: world.ids.network!.external } },
    }));
    add(
      'POST /v2.0/security-groups',
      { none: by(201, 201, 403, 201) },
      fixed('/v2.0/security-groups', { security_group: { name: 'g' } }),
    );
    add('POST /v2.0/security-group-rules', { P: by(201, 201, 403, 404), Q: by(201, 404, 404, 201) }, async (slot) => ({
      path: '/v2.0/security-group-rules',
      body: {
        security_group_rule: {
          security_group_id: world.ids.security_group![slot],
          direction: 'egress',
          protocol: 'udp',
          port_range_min: ++cidr,
          port_range_max: cidr,
        },
      },
    }));

    // Address groups: created by members; their addresses change by two actions (update_* rules of their own).
    add(
      'POST /v2.0/address-groups',
      { none: by(201, 201, 403, 201) },
      fixed('/v2.0/address-groups', { address_group: { name: 'a' } }),
    );
    const ownGroup = { P: by(200, 200, 403, 404), Q: by(200, 404, 404, 200), shared: by(200, 200, 403, 403) };
    add('PUT /v2.0/address-groups/:id/add_addresses', ownGroup, async (slot, fresh) => ({
      path: `/v2.0/address-groups/${await idOf('address_group', slot, fresh)}/add_addresses`,
      body: { addresses: [`10.60.${++cidr & 255}.0/24`] },
    }));
    add('PUT /v2.0/address-groups/:id/remove_addresses', ownGroup, async (slot, fresh) => ({
      path: `/v2.0/address-groups/${await idOf('address_group', slot, fresh)}/remove_addresses`,
      body: { addresses: ['10.50.0.0/16'] },
    }));

    // Subnet pools, address scopes and RBAC policies: made by members for their own project; a
    // policy on another project's object is refused after policy (Neutron's "Only admins can
    // manipulate policies on objects they do not own", 400).
    add(
      'POST /v2.0/subnetpools',
      { none: by(201, 201, 403, 201) },
      fixed('/v2.0/subnetpools', { subnetpool: { name: 'sp', prefixes: ['10.250.0.0/16'] } }),
    );
    add(
      'POST /v2.0/address-scopes',
      { none: by(201, 201, 403, 201) },
      fixed('/v2.0/address-scopes', { address_scope: { name: 'as', ip_version: 4 } }),
    );
    add('POST /v2.0/rbac-policies', { P: by(201, 201, 403, 400), Q: by(201, 400, 403, 201) }, async (slot) => ({
      path: '/v2.0/rbac-policies',
      body: {
        rbac_policy: {
          object_type: 'network',
          object_id: await make.network(slot),
          action: 'access_as_shared',
          target_tenant: `elsewhere-${++cidr}`,
        },
      },
    }));
    const ownPool = { P: by(200, 200, 403, 404), Q: by(200, 404, 404, 200) };
    add('PUT /v2.0/subnetpools/:id/add_prefixes', ownPool, async (slot, fresh) => ({
      path: `/v2.0/subnetpools/${await idOf('subnetpool', slot, fresh)}/add_prefixes`,
      body: { prefixes: [`10.${232 + (++cidr & 15)}.0.0/16`] },
    }));
    add('PUT /v2.0/subnetpools/:id/remove_prefixes', ownPool, async (slot, fresh) => {
      const pool = await idOf('subnetpool', slot, fresh);
      const { subnetpool } = await ok('GET', `/v2.0/subnetpools/${pool}`);
      return {
        path: `/v2.0/subnetpools/${pool}/remove_prefixes`,
        body: { prefixes: [subnetpool.prefixes[0].replace('/16', '/24')] },
      };
    });
    add('GET /v2.0/flavors', { none: all(200) }, fixed('/v2.0/flavors'));
    add('GET /v2.0/flavors/:id', { none: all(200) }, async () => ({ path: `/v2.0/flavors/${world.ids.flavor!.none}` }));
    add(
      'POST /v2.0/flavors',
      { none: adminOnly(201, 403) },
      fixed('/v2.0/flavors', { flavor: { service_type: 'L3_ROUTER_NAT' } }),
    );
    add('PUT /v2.0/flavors/:id', { none: adminOnly(200, 403) }, async (_s, fresh) => ({
      path: `/v2.0/flavors/${await idOf('flavor', 'none', fresh)}`,
      body: { flavor: { description: 'x' } },
    }));
    add('DELETE /v2.0/flavors/:id', { none: adminOnly(204, 403) }, async (_s, fresh) => ({
      path: `/v2.0/flavors/${await idOf('flavor', 'none', fresh)}`,
    }));
    add('GET /v2.0/service_profiles', { none: all(200) }, fixed('/v2.0/service_profiles'));
    add('GET /v2.0/service_profiles/:id', { none: adminOnly(200, 404) }, async () => ({
      path: `/v2.0/service_profiles/${world.ids.service_profile!.none}`,
    }));
    add(
      'POST /v2.0/service_profiles',
      { none: adminOnly(201, 403) },
      fixed('/v2.0/service_profiles', { service_profile: { description: 'p', metainfo: '{}' } }),
    );
    add('PUT /v2.0/service_profiles/:id', { none: adminOnly(200, 404) }, async (_s, fresh) => ({
      path: `/v2.0/service_profiles/${await idOf('service_profile', 'none', fresh)}`,
      body: { service_profile: { description: 'x' } },
    }));
    add('DELETE /v2.0/service_profiles/:id', { none: adminOnly(204, 404) }, async (_s, fresh) => ({
      path: `/v2.0/service_profiles/${await idOf('service_profile', 'none', fresh)}`,
    }));
    // Network segment ranges and their tags: the admin's alone; others get an empty list, 404 or 403 on create.
    const ranges = '/v2.0/network-segment-ranges';
    const range = (fresh: boolean) => idOf('network_segment_range', 'none', fresh);
    add(`GET ${ranges}`, { none: all(200) }, fixed(ranges));
    add(`GET ${ranges}/:id`, { none: adminOnly(200, 404) }, async () => ({ path: `${ranges}/${await range(false)}` }));
    add(`POST ${ranges}`, { none: adminOnly(201, 403) }, async () => ({
      path: ranges,
      body: { network_segment_range: { network_type: 'gre', minimum: 5000 + 10 * ++cidr, maximum: 5005 + 10 * cidr } },
    }));
    add(`PUT ${ranges}/:id`, { none: adminOnly(200, 404) }, async (_s, fresh) => ({
      path: `${ranges}/${await range(fresh)}`,
      body: { network_segment_range: { name: 'x' } },
    }));
    add(`DELETE ${ranges}/:id`, { none: adminOnly(204, 404) }, async (_s, fresh) => ({
      path: `${ranges}/${await range(fresh)}`,
    }));
    add(`GET ${ranges}/:id/tags`, { none: adminOnly(200, 404) }, async () => ({ path: `${ranges}/${await range(false)}/tags` }));
    add(`GET ${ranges}/:id/tags/:tag`, { none: adminOnly(404, 404) }, async () => ({
      path: `${ranges}/${await range(false)}/tags/t`,
    }));
    add(`PUT ${ranges}/:id/tags`, { none: adminOnly(200, 404) }, async (_s, fresh) => ({
      path: `${ranges}/${await range(fresh)}/tags`,
      body: { tags: ['t'] },
    }));
    add(`PUT ${ranges}/:id/tags/:tag`, { none: adminOnly(201, 404) }, async (_s, fresh) => ({
      path: `${ranges}/${await range(fresh)}/tags/v`,
    }));
    add(`DELETE ${ranges}/:id/tags`, { none: adminOnly(204, 404) }, async (_s, fresh) => ({
      path: `${ranges}/${await range(fresh)}/tags`,
    }));
    add(`DELETE ${ranges}/:id/tags/:tag`, { none: adminOnly(404, 404) }, async (_s, fresh) => ({
      path: `${ranges}/${await range(fresh)}/tags/t`,
    }));
    // A flavor's profile bindings: managed by admins, readable by anyone (flavor.py).
    const bound = async (fresh: boolean) => {
      const flavor = await idOf('flavor', 'none', fresh);
      const profile = await idOf('service_profile', 'none', fresh);
      if (fresh) await ok('POST', `/v2.0/flavors/${flavor}/service_profiles`, { service_profile: { id: profile } });
      return `/v2.0/flavors/${flavor}/service_profiles/${profile}`;
    };
    add('POST /v2.0/flavors/:id/service_profiles', { none: adminOnly(201, 403) }, async (_s, fresh) => ({
      path: `/v2.0/flavors/${await idOf('flavor', 'none', fresh)}/service_profiles`,
      body: { service_profile: { id: await idOf('service_profile', 'none', fresh) } },
    }));
    add('GET /v2.0/flavors/:id/service_profiles/:profile', { none: all(200) }, async () => ({ path: await bound(true) }));
    add('DELETE /v2.0/flavors/:id/service_profiles/:profile', { none: adminOnly(204, 403) }, async () => ({
      path: await bound(true),
    }));
    // Read-only lists anyone may read: availability zones, floating IP pools, service providers.
    for (const path of ['/v2.0/availability_zones', '/v2.0/floatingip-pools', '/v2.0/service-providers'])
      add(`GET ${path}`, { none: all(200) }, fixed(path));

    // Network logs: admins only; to others a log does not exist and the lists are empty.
    const adminLog = { P: adminOnly(200, 404), Q: adminOnly(200, 404) };
    add('GET /v2.0/log/logs', { none: all(200) }, fixed('/v2.0/log/logs'));
    add('GET /v2.0/log/loggable-resources', { none: all(200) }, fixed('/v2.0/log/loggable-resources'));
    add(
      'POST /v2.0/log/logs',
      { none: adminOnly(201, 403) },
      fixed('/v2.0/log/logs', { log: { resource_type: 'security_group' } }),
    );
    add('GET /v2.0/log/logs/:id', adminLog, async (slot) => ({ path: `/v2.0/log/logs/${world.ids.log![slot]}` }));
    add('PUT /v2.0/log/logs/:id', adminLog, async (slot, fresh) => ({
      path: `/v2.0/log/logs/${await idOf('log', slot, fresh)}`,
      body: { log: { enabled: false } },
    }));
    add('DELETE /v2.0/log/logs/:id', { P: adminOnly(204, 404), Q: adminOnly(204, 404) }, async (slot, fresh) => ({
      path: `/v2.0/log/logs/${await idOf('log', slot, fresh)}`,
    }));

    // Port forwardings and conntrack helpers: the parent's project's, as its other records; a
    // caller who cannot see the parent gets its 404 (a floating IP), or for conntrack helpers an
    // empty list and the helper's 404 (measured on Neutron 21).
    const own404 = (ok: number) => ({ P: by(ok, ok, 403, 404), Q: by(ok, 404, 404, ok) });
    const read404 = { P: by(200, 200, 200, 404), Q: by(200, 404, 404, 200) };
    const sub = (kind: 'port_forwarding' | 'conntrack_helper', collection: string, member: string, put: () => unknown) => {
      const parent = kind === 'port_forwarding' ? 'floatingips' : 'routers';
      const at = async (slot: Slot, fresh: boolean) => {
        const id = await idOf(kind, slot, fresh);
        return `/v2.0/${parent}/${parentOf.get(id)}/${collection}/${id}`;
      };
      const list = async (slot: Slot) => `/v2.0/${parent}/${parentOf.get(world.ids[kind]![slot]!)}/${collection}`;
      const param = kind === 'port_forwarding' ? ':floatingip_id' : ':router_id';
      const base = `/v2.0/${parent}/${param}/${collection}`;
      add(`GET ${base}`, kind === 'port_forwarding' ? read404 : { P: all(200), Q: all(200) }, async (slot) => ({
        path: await list(slot),
      }));
      add(`GET ${base}/:id`, read404, async (slot) => ({ path: await at(slot, false) }));
      add(`PUT ${base}/:id`, own404(200), async (slot, fresh) => ({ path: await at(slot, fresh), body: { [member]: put() } }));
      add(`DELETE ${base}/:id`, own404(204), async (slot, fresh) => ({ path: await at(slot, fresh) }));
    };
    sub('port_forwarding', 'port_forwardings', 'port_forwarding', () => ({ description: `d${++cidr}` }));
    sub('conntrack_helper', 'conntrack_helpers', 'conntrack_helper', () => ({ port: ++cidr }));
    add(
      'POST /v2.0/floatingips/:floatingip_id/port_forwardings',
      { P: by(201, 201, 403, 404), Q: by(201, 404, 404, 201) },
      async (slot, fresh) => {
        const fip = parentOf.get(world.ids.port_forwarding![slot]!)!;
        const network = await forwardingBase(slot);
        const port = fresh
          ? (await ok('POST', '/v2.0/ports', { port: { network_id: network, project_id: projectOf(slot) } })).port
          : { id: world.ids.port![slot], fixed_ips: [{ ip_address: '10.0.0.1' }] };
        if (fresh) see(port.id, side(slot));
        return {
          path: `/v2.0/floatingips/${fip}/port_forwardings`,
          body: {
            port_forwarding: {
              internal_port_id: port.id,
              internal_ip_address: port.fixed_ips[0].ip_address,
              protocol: 'udp',
              internal_port: ++cidr,
              external_port: cidr,
            },
          },
        };
      },
    );
    add('POST /v2.0/routers/:router_id/conntrack_helpers', own404(201), async (slot) => ({
      path: `/v2.0/routers/${world.ids.router![slot]}/conntrack_helpers`,
      body: { conntrack_helper: { protocol: 'udp', port: ++cidr, helper: 'tftp' } },
    }));

    // QoS (neutron/conf/policies/qos.py): policies and rules are the admin's to write, read by
    // their project and, shared, by every project. A member's rule create is refused by policy
    // before its policy is looked up; its tags are its project members' (Neutron 21's tag
    // controller checks no policy). Rule types: listed to all, details to admins.
    {
      const qosRead = { P: by(200, 200, 200, 404), Q: by(200, 404, 404, 200), shared: all(200) };
      const qosWrite = (ok: number) => ({ P: by(ok, 403, 403, 404), Q: by(ok, 404, 404, 403), shared: by(ok, 403, 403, 403) });
      const qosTags = (ok: number) => ({ P: by(ok, ok, 403, 404), Q: by(ok, 404, 404, ok), shared: by(ok, ok, 403, 403) });
      const policy = (slot: Slot, fresh: boolean) => idOf('qos_policy', slot, fresh);
      add('GET /v2.0/qos/policies', { none: all(200) }, fixed('/v2.0/qos/policies'));
      add('POST /v2.0/qos/policies', { none: adminOnly(201, 403) }, fixed('/v2.0/qos/policies', { policy: { name: 'q' } }));
      add('GET /v2.0/qos/policies/:id', qosRead, async (slot) => ({ path: `/v2.0/qos/policies/${await policy(slot, false)}` }));
      add('PUT /v2.0/qos/policies/:id', qosWrite(200), async (slot, fresh) => ({
        path: `/v2.0/qos/policies/${await policy(slot, fresh)}`,
        body: { policy: { description: 'x' } },
      }));
      add('DELETE /v2.0/qos/policies/:id', qosWrite(204), async (slot, fresh) => ({
        path: `/v2.0/qos/policies/${await policy(slot, fresh)}`,
      }));
      add('GET /v2.0/policies/:id/tags', qosRead, async (slot) => ({ path: `/v2.0/policies/${await policy(slot, false)}/tags` }));
      add(
        'GET /v2.0/policies/:id/tags/:tag',
        { P: by(204, 204, 204, 404), Q: by(204, 404, 404, 204), shared: all(204) },
        async (slot) => ({
          path: `/v2.0/policies/${await policy(slot, false)}/tags/t`,
        }),
      );
      add('PUT /v2.0/policies/:id/tags', qosTags(200), async (slot, fresh) => ({
        path: `/v2.0/policies/${await policy(slot, fresh)}/tags`,
        body: { tags: ['t', 'u'] },
      }));
      add('PUT /v2.0/policies/:id/tags/:tag', qosTags(201), async (slot, fresh) => ({
        path: `/v2.0/policies/${await policy(slot, fresh)}/tags/v`,
      }));
      add('DELETE /v2.0/policies/:id/tags', qosTags(204), async (slot, fresh) => ({
        path: `/v2.0/policies/${await policy(slot, fresh)}/tags`,
      }));
      add('DELETE /v2.0/policies/:id/tags/:tag', qosTags(204), async (slot, fresh) => ({
        path: `/v2.0/policies/${await policy(slot, fresh)}/tags/t`,
      }));
      const RULES = [
        ['bandwidth_limit', 'qos_bandwidth_limit_rule', { max_kbps: 2000 }, { max_kbps: 3000 }],
        ['dscp_marking', 'qos_dscp_marking_rule', { dscp_mark: 10 }, { dscp_mark: 12 }],
        ['minimum_bandwidth', 'qos_minimum_bandwidth_rule', { min_kbps: 10 }, { min_kbps: 20 }],
        ['packet_rate_limit', 'qos_packet_rate_limit_rule', { max_kpps: 5 }, { max_kpps: 6 }],
        ['minimum_packet_rate', 'qos_minimum_packet_rate_rule', { min_kpps: 2 }, { min_kpps: 3 }],
      ] as const;
      for (const [type, kind, body, change] of RULES) {
        const base = `/v2.0/qos/policies/:policy_id/${type}_rules`;
        const under = (rule: string) => `/v2.0/qos/policies/${parentOf.get(rule)}/${type}_rules`;
        add(`GET ${base}`, qosRead, async (slot) => ({ path: `/v2.0/qos/policies/${await policy(slot, false)}/${type}_rules` }));
        add(`POST ${base}`, { P: adminOnly(201, 403), Q: adminOnly(201, 403), shared: adminOnly(201, 403) }, async (slot) => ({
          path: `/v2.0/qos/policies/${await policy(slot, true)}/${type}_rules`,
          body: { [`${type}_rule`]: body },
        }));
        add(`GET ${base}/:id`, qosRead, async (slot) => {
          const rule = await idOf(kind, slot, false);
          return { path: `${under(rule)}/${rule}` };
        });
        add(`PUT ${base}/:id`, qosWrite(200), async (slot, fresh) => {
          const rule = await idOf(kind, slot, fresh);
          return { path: `${under(rule)}/${rule}`, body: { [`${type}_rule`]: change } };
        });
        add(`DELETE ${base}/:id`, qosWrite(204), async (slot, fresh) => {
          const rule = await idOf(kind, slot, fresh);
          return { path: `${under(rule)}/${rule}` };
        });
        if (type === 'packet_rate_limit') continue;
        for (const alias of [`alias-${type.replaceAll('_', '-')}-rules`, `alias_${type}_rules`]) {
          const at = `/v2.0/qos/${alias}`;
          add(`GET ${at}/:id`, qosRead, async (slot) => ({ path: `${at}/${await idOf(kind, slot, false)}` }));
          add(`PUT ${at}/:id`, qosWrite(200), async (slot, fresh) => ({
            path: `${at}/${await idOf(kind, slot, fresh)}`,
            body: { [`alias_${type}_rule`]: change },
          }));
          add(`DELETE ${at}/:id`, qosWrite(204), async (slot, fresh) => ({ path: `${at}/${await idOf(kind, slot, fresh)}` }));
        }
      }
      add('GET /v2.0/qos/rule-types', { none: all(200) }, fixed('/v2.0/qos/rule-types'));
      add('GET /v2.0/qos/rule-types/:type', { none: adminOnly(200, 403) }, fixed('/v2.0/qos/rule-types/dscp_marking'));
    }

    // Local IPs: their project's, as its other records; associations its too (others: empty list, 404).
    // On another project's network: 404 (the reader is refused by policy before any lookup, 403).
    for (const path of ['/v2.0/local_ips', '/v2.0/local-ips']) {
      add(`POST ${path}`, { P: by(201, 201, 403, 404), Q: by(201, 404, 403, 201) }, async (slot) => ({
        path,
        body: { local_ip: { network_id: world.ids.network![slot] } },
      }));
    }
    const association = async (slot: Slot, fresh: boolean) => {
      const port = await idOf('local_ip_association', slot, fresh);
      return `/v2.0/local_ips/${parentOf.get(port)}/port_associations/${port}`;
    };
    const associations = async (slot: Slot) =>
      `/v2.0/local_ips/${parentOf.get(world.ids.local_ip_association![slot]!)}/port_associations`;
    add('GET /v2.0/local_ips/:local_ip_id/port_associations', { P: all(200), Q: all(200) }, async (slot) => ({
      path: await associations(slot),
    }));
    add('POST /v2.0/local_ips/:local_ip_id/port_associations', own404(201), async (slot) => ({
      path: await associations(slot),
      body: { port_association: { fixed_port_id: await make.port(slot) } },
    }));
    add('GET /v2.0/local_ips/:local_ip_id/port_associations/:id', read404, async (slot) => ({
      path: await association(slot, false),
    }));
    // Nothing of an association changes: an empty update is Neutron's 501.
    add('PUT /v2.0/local_ips/:local_ip_id/port_associations/:id', own404(501), async (slot) => ({
      path: await association(slot, false),
      body: { port_association: {} },
    }));
    add('DELETE /v2.0/local_ips/:local_ip_id/port_associations/:id', own404(204), async (slot, fresh) => ({
      path: await association(slot, fresh),
    }));

    // Trunks (neutron/conf/policies/trunk.py): made by members on their own project's ports (another
    // project's port is not found; a reader is refused by policy first); their subports change by
    // two actions with rules of their own, and get_subports reads as the trunk does.
    add('POST /v2.0/trunks', { P: by(201, 201, 403, 404), Q: by(201, 404, 403, 201) }, async (slot) => ({
      path: '/v2.0/trunks',
      body: { trunk: { port_id: await make.port(slot) } },
    }));
    const ownTrunk = { P: by(200, 200, 403, 404), Q: by(200, 404, 404, 200) };
    add('PUT /v2.0/trunks/:id/add_subports', ownTrunk, async (slot, fresh) => ({
      path: `/v2.0/trunks/${await idOf('trunk', slot, fresh)}/add_subports`,
      body: { sub_ports: [{ port_id: await make.port(slot), segmentation_type: 'vlan', segmentation_id: (++cidr % 4000) + 2 }] },
    }));
    add('PUT /v2.0/trunks/:id/remove_subports', ownTrunk, async (slot, fresh) => {
      const trunk = await idOf('trunk', slot, fresh);
      return { path: `/v2.0/trunks/${trunk}/remove_subports`, body: { sub_ports: [{ port_id: parentOf.get(trunk) }] } };
    });
    add('GET /v2.0/trunks/:id/get_subports', { P: by(200, 200, 200, 404), Q: by(200, 404, 404, 200) }, async (slot) => ({
      path: `/v2.0/trunks/${world.ids.trunk![slot]}/get_subports`,
    }));

    // Metering: admins only; to others a label or rule does not exist and the lists are empty.
    // Nothing in them can be updated: a PUT naming no attribute is Neutron's 501.
    for (const [collection, kind, member] of [
      ['metering-labels', 'metering_label', 'metering_label'],
      ['metering-label-rules', 'metering_label_rule', 'metering_label_rule'],
    ] as const) {
      const base = `/v2.0/metering/${collection}`;
      const adminOnlyMember = (ok: number) => ({ P: adminOnly(ok, 404), Q: adminOnly(ok, 404) });
      add(`GET ${base}`, { none: all(200) }, fixed(base));
      add(`GET ${base}/:id`, adminOnlyMember(200), async (slot) => ({ path: `${base}/${world.ids[kind]![slot]}` }));
      add(`PUT ${base}/:id`, adminOnlyMember(501), async (slot) => ({
        path: `${base}/${world.ids[kind]![slot]}`,
        body: { [member]: {} },
      }));
      add(`DELETE ${base}/:id`, adminOnlyMember(204), async (slot, fresh) => ({
        path: `${base}/${await idOf(kind, slot, fresh)}`,
      }));
    }
    add(
      'POST /v2.0/metering/metering-labels',
      { none: adminOnly(201, 403) },
      fixed('/v2.0/metering/metering-labels', { metering_label: { name: 'm' } }),
    );
    add('POST /v2.0/metering/metering-label-rules', { P: adminOnly(201, 403), Q: adminOnly(201, 403) }, async (slot) => ({
      path: '/v2.0/metering/metering-label-rules',
      body: {
        metering_label_rule: {
          metering_label_id: world.ids.metering_label![slot],
          direction: 'ingress',
          source_ip_prefix: `10.80.${++cidr & 255}.0/24`,
        },
      },
    }));

    // Router interfaces: a fresh router and a fresh subnet of the router's project.
    const own = { P: by(200, 200, 403, 404), Q: by(200, 404, 404, 200) };
    add('PUT /v2.0/routers/:id/add_router_interface', own, async (slot, fresh) => ({
      path: `/v2.0/routers/${await idOf('router', slot, fresh)}/add_router_interface`,
      body: { subnet_id: fresh ? await make.subnet(slot) : world.ids.subnet![slot] },
    }));
    add('PUT /v2.0/routers/:id/add_extraroutes', own, async (slot, fresh) => ({
      path: `/v2.0/routers/${await idOf('router', slot, fresh)}/add_extraroutes`,
      body: { router: { routes: [] } },
    }));
    add('PUT /v2.0/routers/:id/remove_extraroutes', own, async (slot, fresh) => ({
      path: `/v2.0/routers/${await idOf('router', slot, fresh)}/remove_extraroutes`,
      body: { router: { routes: [] } },
    }));
    add('PUT /v2.0/routers/:id/remove_router_interface', own, async (slot, fresh) => {
      const router = await idOf('router', slot, fresh);
      const subnet = fresh ? await make.subnet(slot) : world.ids.subnet![slot];
      if (fresh) await ok('PUT', `/v2.0/routers/${router}/add_router_interface`, { subnet_id: subnet });
      return { path: `/v2.0/routers/${router}/remove_router_interface`, body: { subnet_id: subnet } };
    });

    // Agents: admins only; to others an agent does not exist and the list is empty (measured on Neutron 21).
    add('GET /v2.0/agents', { none: all(200) }, fixed('/v2.0/agents'));
    add('POST /v2.0/agents', { none: adminOnly('authorized', 403) }, fixed('/v2.0/agents', { agent: {} }));
    add('GET /v2.0/agents/:id', { agent: adminOnly(200, 404) }, async () => ({ path: `/v2.0/agents/${world.agent}` }));
    add('PUT /v2.0/agents/:id', { agent: adminOnly(200, 404) }, async (_s, fresh) => ({
      path: `/v2.0/agents/${await idOf('agent', 'agent', fresh)}`,
      body: { agent: { description: 'x' } },
    }));
    add('DELETE /v2.0/agents/:id', { agent: adminOnly(204, 404) }, async (_s, fresh) => ({
      path: `/v2.0/agents/${await idOf('agent', 'agent', fresh)}`,
    }));
    // Scheduler views and manual scheduling (DHCP bindings; routers refused): 403 before any lookup, as Neutron.
    add('GET /v2.0/agents/:id/l3-routers', { agent: adminOnly(200, 403) }, async () => ({
      path: `/v2.0/agents/${world.agent}/l3-routers`,
    }));
    add('GET /v2.0/agents/:id/dhcp-networks', { agent: adminOnly(200, 403) }, async () => ({
      path: `/v2.0/agents/${world.agent}/dhcp-networks`,
    }));
    add('GET /v2.0/routers/:id/l3-agents', { P: adminOnly(200, 403), Q: adminOnly(200, 403) }, async (slot) => ({
      path: `/v2.0/routers/${world.ids.router![slot]}/l3-agents`,
    }));
    add(
      'GET /v2.0/networks/:id/dhcp-agents',
      { P: adminOnly(200, 403), Q: adminOnly(200, 403), shared: adminOnly(200, 403), external: adminOnly(200, 403) },
      async (slot) => ({ path: `/v2.0/networks/${world.ids.network![slot]}/dhcp-agents` }),
    );
    for (const [route, path, body] of [
      ['POST /v2.0/agents/:id/l3-routers', 'l3-routers', { router_id: 'r' }],
      ['DELETE /v2.0/agents/:id/l3-routers/:router', 'l3-routers/r', undefined],
      ['POST /v2.0/agents/:id/dhcp-networks', 'dhcp-networks', { network_id: 'n' }],
      ['DELETE /v2.0/agents/:id/dhcp-networks/:network', 'dhcp-networks/n', undefined],
    ] as const)
      add(route, { agent: adminOnly('authorized', 403) }, async () => ({ path: `/v2.0/agents/${world.agent}/${path}`, body }));

    // IP availability: admins only; to others an empty list and 404s (measured on Neutron 21).
    add('GET /v2.0/network-ip-availabilities', { none: all(200) }, fixed('/v2.0/network-ip-availabilities'));
    add(
      'GET /v2.0/network-ip-availabilities/:id',
      { P: adminOnly(200, 404), Q: adminOnly(200, 404), shared: adminOnly(200, 404), external: adminOnly(200, 404) },
      async (slot) => ({ path: `/v2.0/network-ip-availabilities/${world.ids.network![slot]}` }),
    );

    // Quotas: every role reads its own project's; only admins list, read others' or change any.
    add('GET /v2.0/quotas', { none: adminOnly(200, 403) }, fixed('/v2.0/quotas'));
    add('GET /v2.0/quotas/tenant', { none: all(200) }, fixed('/v2.0/quotas/tenant'));
    add('GET /v2.0/quotas/project', { none: all(200) }, fixed('/v2.0/quotas/project'));
    const quotaRead = { P: by(200, 200, 200, 403), Q: by(200, 403, 403, 200) };
    for (const suffix of ['', '/default', '/details'])
      add(`GET /v2.0/quotas/:id${suffix}`, quotaRead, async (slot) => ({ path: `/v2.0/quotas/${projectOf(slot)}${suffix}` }));
    add('PUT /v2.0/quotas/:id', { P: adminOnly(200, 403), Q: adminOnly(200, 403) }, async (slot) => ({
      path: `/v2.0/quotas/${projectOf(slot)}`,
      body: { quota: { network: 50 } },
    }));
    add('DELETE /v2.0/quotas/:id', { P: adminOnly(204, 403), Q: adminOnly(204, 403) }, async (slot) => ({
      path: `/v2.0/quotas/${projectOf(slot)}`,
    }));

    // Quark's own routes: the agents' feed and reports, explain, trace. Admins only.
    const quark = { none: adminOnly('authorized', 403) };
    add('GET /v2.0/quark/feed', quark, fixed('/v2.0/quark/feed'));
    add(
      'POST /v2.0/quark/agents/report',
      quark,
      fixed('/v2.0/quark/agents/report', { agent: { host: 'h', agent_type: 'L3 agent', binary: 'b' } }),
    );
    add('POST /v2.0/quark/ports/status', quark, fixed('/v2.0/quark/ports/status', { host: 'h', up: [], down: [] }));
    add('POST /v2.0/quark/floatingips/status', quark, fixed('/v2.0/quark/floatingips/status', { host: 'h', statuses: {} }));
    add('POST /v2.0/quark/routers/ha_states', quark, fixed('/v2.0/quark/routers/ha_states', { host: 'h', states: {} }));
    add('POST /v2.0/quark/metering/report', quark, fixed('/v2.0/quark/metering/report', { host: 'h', counters: [] }));
    // Metering counters: read as metering labels are (admins only; others an empty list).
    add('GET /v2.0/quark/metering/counters', { none: all(200) }, fixed('/v2.0/quark/metering/counters'));
    add('POST /v2.0/quark/queries/:id/answer', quark, fixed('/v2.0/quark/queries/q/answer', { host: 'h', answer: {} }));
    add('GET /v2.0/quark/explain/hosts/:host', quark, fixed('/v2.0/quark/explain/hosts/nohost'));
    add(
      'GET /v2.0/quark/explain/:kind/:id',
      { P: adminOnly('authorized', 403), Q: adminOnly('authorized', 403), shared: adminOnly('authorized', 403) },
      async (slot) => ({ path: `/v2.0/quark/explain/networks/${world.ids.network![slot]}` }),
    );
    add('GET /v2.0/quark/trace', { P: adminOnly('authorized', 403), Q: adminOnly('authorized', 403) }, async (slot) => ({
      path: `/v2.0/quark/trace?from=${world.ids.port![slot]}&to=${world.ids.port![slot]}`,
    }));
    // The web view: its files are public; its event stream is every caller's, each change filtered
    // by the caller's read rules (src/server/web/events.test.ts follows a stream).
    add('GET /ui', { none: all(200) }, fixed('/ui'));
    add('GET /ui/', { none: all(200) }, fixed('/ui/'));
    add('GET /ui/:file', { none: all(200) }, fixed('/ui/index.html'));
    add('GET /v2.0/quark/events', { none: all(200) }, fixed('/v2.0/quark/events?once=true'));
    return out;
  }

  /** One request through the whole HTTP stack; bodies that are not JSON (/metrics) are kept as text. */
  async function call(method: string, path: string, token: string | undefined, body: unknown) {
    const res = await s.quark.app.inject({
      method: method as 'GET',
      url: path,
      headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : {};
    } catch {}
    return { status: res.statusCode, body: parsed };
  }

  /** Objects (dictionaries with an id, or a project) in an answer that `who` may not see. */
  function leaks(who: Who, body: unknown): string[] {
    if (who === 'admin') return [];
    const mine = who === 'other' ? world.projects.Q : world.projects.P;
    const found: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (typeof v === 'object' && v !== null) {
        const d = v as Record<string, unknown>;
        const id = typeof d.id === 'string' ? d.id : undefined;
        const project = (d.project_id ?? d.tenant_id) as string | undefined;
        const seen = id !== undefined ? visibleTo.get(id) : undefined;
        if (seen && !seen.has(who)) found.push(id!);
        else if (!seen && project !== undefined && project !== mine && project !== '') found.push(`${id ?? '?'} of ${project}`);
        for (const x of Object.values(d)) walk(x);
      }
    };
    walk(body);
    return found;
  }

  it('has a row for every route the server serves, and a cell for every caller and object of each', async () => {
    const table = rows();
    const served = s.quark.routes
      .entries()
      .filter((r) => !r.startsWith('HEAD ')) // fastify's automatic twin of each GET
      .filter((r) => !/ \/(v3|identity)(\/|$)/.test(r)); // the identity API: see identity/*.test.ts
    const missing = served.filter((r) => !table.has(r));
    assert.deepEqual(missing, [], 'routes without a row in the authorization matrix');
    const stale = [...table.keys()].filter((r) => !served.includes(r));
    assert.deepEqual(stale, [], 'rows for routes the server does not serve');
  });

  it('answers every cell as the table says and shows no caller an object it may not see', async () => {
    const failures: string[] = [];
    let cells = 0;
    for (const [route, row] of rows()) {
      const method = route.split(' ')[0]!;
      for (const [slot, expected] of Object.entries(row.table) as [Slot, ByWho][]) {
        for (const caller of CALLERS) {
          const want: Expected =
            caller in expected ? expected[caller as Who] : route.split(' ')[1]!.startsWith('/v2.0') ? 401 : 200;
          const succeeds = want === 'authorized' || want < 300;
          const req = await row.request(slot, succeeds && method !== 'GET');
          const r = await call(method, req.path, tokens[caller], req.body);
          cells++;
          const where = `${route} [${slot}] as ${caller}: ${req.path}`;
          const good = want === 'authorized' ? r.status !== 401 && r.status !== 403 : r.status === want;
          if (!good) failures.push(`${where}: ${r.status} (want ${want}) ${JSON.stringify(r.body).slice(0, 160)}`);
          if (r.status < 300 && caller in expected) {
            const leaked = leaks(caller as Who, r.body);
            if (leaked.length > 0) failures.push(`${where}: shows ${leaked.join(', ')}`);
          }
        }
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cells} cells`);
  });
});
