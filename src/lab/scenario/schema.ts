/**
 * The scenario file's shape, declared once: every key, its type and what it means. Parsing
 * checks a file against it (errors name the file and line, schema-errors.ts), then resolves
 * every reference (resolve.ts). A `message` option is the error a user reads when a value
 * does not fit; `{value}` stands for the value found.
 */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { AgentRoleSchema } from '../../model/feed.js';

const closed = { additionalProperties: false } as const;

const Name = Type.String({ minLength: 1, message: 'must be a non-empty name' });
const Names = Type.Array(Name);

/** `l2`, `dhcp`, `l3`: which agents run on a node (the agents' own role type). */
export const ROLE = Type.Union([...AgentRoleSchema.anyOf], { message: "unknown role '{value}' (l2, dhcp, l3)" });

/** A node's L2 mechanism: Open vSwitch, or Linux bridges and no Open vSwitch at all (docs/linuxbridge.md). */
export const MECHANISM = Type.Union([Type.Literal('openvswitch'), Type.Literal('linuxbridge')], {
  description: 'default openvswitch',
  message: "must be 'openvswitch' or 'linuxbridge'",
});

export const NODE = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9]{0,11}$',
      message: "node name '{value}': lower-case letters and digits, at most 12",
    }),
    roles: Type.Optional(Type.Array(ROLE, { description: 'default [l2]' })),
    external: Type.Optional(Type.Boolean({ description: 'cabled to the external network (br-ex, or eth2 on Linux bridge)' })),
    mechanism: Type.Optional(MECHANISM),
  },
  closed,
);

const IPV6_MODE = Type.Union([Type.Literal('slaac'), Type.Literal('dhcpv6-stateful'), Type.Literal('dhcpv6-stateless')], {
  message: 'must be slaac, dhcpv6-stateful or dhcpv6-stateless',
});

const SUBNET = Type.Object(
  {
    name: Type.Optional(Name),
    cidr: Type.String({ message: 'must be a subnet cidr' }),
    gateway: Type.Optional(Type.Union([Type.String(), Type.Null()], { message: 'must be an address or null (no gateway)' })),
    dhcp: Type.Optional(Type.Boolean()),
    dns: Type.Optional(Type.Array(Type.String())),
    ipv6_mode: Type.Optional(IPV6_MODE),
    ipv6_ra_mode: Type.Optional(IPV6_MODE),
    ipv6_address_mode: Type.Optional(IPV6_MODE),
  },
  closed,
);

const NETWORK = Type.Object({ name: Name, subnets: Type.Optional(Type.Array(SUBNET)) }, closed);

const ROUTER = Type.Object(
  {
    name: Name,
    external_gateway: Type.Optional(Type.Boolean()),
    snat: Type.Optional(Type.Boolean()),
    interfaces: Type.Optional(Names),
    routed_from_internet: Type.Optional(
      Type.Boolean({ description: "the internet host routes the router's IPv4 subnets via its gateway address (no NAT)" }),
    ),
  },
  closed,
);

const PORT = Type.Integer({ minimum: 1, maximum: 65535, message: 'must be a port number (1-65535)' });
const ICMP_FIELD = Type.Integer({ minimum: 0, maximum: 255, message: 'must be 0 to 255' });

/** A security group rule as a Neutron user writes it; ICMP takes `type` and `code`, not `port`. */
export const RULE = Type.Object(
  {
    direction: Type.Optional(
      Type.Union([Type.Literal('ingress'), Type.Literal('egress')], { message: "must be 'ingress' or 'egress'" }),
    ),
    protocol: Type.Optional(Type.Union([Type.String(), Type.Integer()], { message: 'must be a protocol name or number' })),
    port: Type.Optional(PORT),
    port_max: Type.Optional(PORT),
    type: Type.Optional(ICMP_FIELD),
    code: Type.Optional(ICMP_FIELD),
    remote: Type.Optional(Type.String({ description: 'remote_ip_prefix' })),
    remote_group: Type.Optional(Type.String({ description: 'a security group of the same project' })),
    ethertype: Type.Optional(Type.Union([Type.Literal('IPv4'), Type.Literal('IPv6')], { message: "must be 'IPv4' or 'IPv6'" })),
  },
  closed,
);

const GROUP = Type.Object({ name: Name, rules: Type.Optional(Type.Array(RULE)) }, closed);

const LISTEN = Type.String({ pattern: '^(tcp|udp):\\d{1,5}$', message: "'{value}' is not a listener such as tcp:22 or udp:53" });

const INSTANCE = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9-]{0,30}$',
      message: "instance name '{value}': a lower-case letter, then letters, digits or '-'",
    }),
    node: Name,
    network: Name,
    security_groups: Type.Optional(Names),
    fixed_ips: Type.Optional(Type.Array(Type.String(), { description: 'addresses in subnets of its network' })),
    floating_ip: Type.Optional(
      Type.Union([Type.Boolean(), Type.String({ pattern: '^[a-z][a-z0-9-]{0,30}$' })], {
        message: 'must be true, false or a name for the floating IP',
      }),
    ),
    listen: Type.Optional(Type.Array(LISTEN, { description: 'probe listeners kept running until lab down' })),
    public_keys: Type.Optional(Type.Record(Type.String(), Type.String(), { message: 'maps key names to public keys' })),
    user_data: Type.Optional(Type.String({ message: 'must be text' })),
  },
  closed,
);

const FLOATING_IP = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9-]{0,30}$',
      message: "floating IP name '{value}': a lower-case letter, then letters, digits or '-'",
    }),
    instance: Type.Optional(Name),
  },
  closed,
);

const PROJECT = Type.Object(
  {
    name: Name,
    networks: Type.Optional(Type.Array(NETWORK)),
    routers: Type.Optional(Type.Array(ROUTER)),
    security_groups: Type.Optional(Type.Array(GROUP)),
    instances: Type.Optional(Type.Array(INSTANCE)),
    floating_ips: Type.Optional(Type.Array(FLOATING_IP)),
  },
  closed,
);

export const EXPECTATION = Type.Object(
  {
    from: Type.String({ minLength: 1, message: "must be an instance or 'internet'" }),
    to: Type.String({
      minLength: 1,
      message: "must be an instance, NAME.floating, a floating IP's name, an address or 'internet'",
    }),
    protocol: Type.Optional(
      Type.Union([Type.Literal('icmp'), Type.Literal('tcp'), Type.Literal('udp')], { message: 'must be icmp, tcp or udp' }),
    ),
    port: Type.Optional(PORT),
    ip_version: Type.Optional(Type.Union([Type.Literal(4), Type.Literal(6)], { message: 'must be 4 or 6' })),
    result: Type.Union([Type.Literal('allowed'), Type.Literal('blocked')], { message: "must be 'allowed' or 'blocked'" }),
    source: Type.Optional(Type.String({ description: 'floating, self, router:NAME or an address' })),
  },
  closed,
);

/** `1s`, `500ms`, `2.5s`, `1m`, or a number of seconds. */
export const DURATION = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m)$' })], {
  message: 'must be a duration such as 1s, 500ms or 2.5s',
});

/** What every step has besides its action's own keys. */
const STEP_COMMON = {
  name: Type.Optional(Type.String()),
  within: Type.Optional(DURATION),
  expect: Type.Optional(Type.Array(EXPECTATION)),
};

function step<A extends string, K extends Record<string, TSchema>>(action: A, keys: K) {
  return Type.Object({ do: Type.Literal(action), ...keys, ...STEP_COMMON }, closed);
}

const GROUP_REF = { group: Name, project: Type.Optional(Name) };

/** The actions a step can take through the API or on the lab, each with its own keys. */
export const STEPS = [
  step('move_floating_ip', { floating_ip: Name, to: Name }),
  step('disassociate_floating_ip', { floating_ip: Name }),
  step('add_to_group', { instance: Name, group: Name }),
  step('remove_from_group', { instance: Name, group: Name }),
  step('add_rule', { ...GROUP_REF, rule: RULE }),
  step('remove_rule', { ...GROUP_REF, rule: RULE }),
  step('restart_server', {}),
  step('restart_agent', { node: Name }),
  step('stop_agent', { node: Name }),
  step('start_agent', { node: Name }),
  step('kill_node', { node: Name }),
] as const;

export const STEP = Type.Union([...STEPS], { discriminator: 'do' });

const LAB_NETWORK = Type.Object(
  {
    cidr: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+\\.0/24$', message: 'must be an IPv4 /24 such as 198.18.0.0/24' }),
  },
  closed,
);

export const SCENARIO = Type.Object(
  {
    name: Type.Optional(Name),
    tunnel_type: Type.Optional(Type.Union([Type.Literal('gre'), Type.Literal('vxlan')], { message: "must be 'gre' or 'vxlan'" })),
    nodes: Type.Array(NODE, { minItems: 1, message: 'a scenario needs at least one node' }),
    management_network: Type.Optional(LAB_NETWORK),
    underlay_network: Type.Optional(LAB_NETWORK),
    external_network: Type.Optional(
      Type.Object(
        {
          cidr: Type.Optional(Type.String()),
          gateway: Type.Optional(Type.String({ description: 'the internet host' })),
          pool_start: Type.Optional(Type.String()),
          pool_end: Type.Optional(Type.String()),
          ipv6_cidr: Type.Optional(Type.String()),
          ipv6_gateway: Type.Optional(Type.String()),
        },
        closed,
      ),
    ),
    projects: Type.Optional(Type.Array(PROJECT)),
    expect: Type.Optional(Type.Array(EXPECTATION)),
    steps: Type.Optional(Type.Array(STEP)),
  },
  closed,
);

export type ScenarioFile = Static<typeof SCENARIO>;
export type ProjectFile = NonNullable<ScenarioFile['projects']>[number];
export type RuleFile = Static<typeof RULE>;
export type InstanceFile = NonNullable<ProjectFile['instances']>[number];
export type ExpectationFile = Static<typeof EXPECTATION>;
export type StepFile = Static<typeof STEP>;
export type Role = Static<typeof ROLE>;
export type Mechanism = Static<typeof MECHANISM>;
export type Ipv6Mode = Static<typeof IPV6_MODE>;
export type StepActionName = StepFile['do'];
