/**
 * Quality of service, as neutron-lib declares it (api/definitions/qos.py and the qos-*
 * extensions around it), with the names, descriptions and dates of neutron-lib's definitions;
 * the answers below were measured on Neutron 21 with the `qos` service plugin and ML2's `qos`
 * extension driver (docs/qos.md):
 *
 *   /v2.0/qos/policies                                   policies (standard attributes, tags)
 *   /v2.0/qos/policies/{policy_id}/<type>_rules          the rules of a policy, one collection per type
 *   /v2.0/qos/alias-<type>-rules/{id}                    a rule without its policy (show, update, delete)
 *   /v2.0/qos/rule-types[/{type}]                        what the host drivers enforce
 *
 * and `qos_policy_id` on networks and ports (with `qos_network_policy_id` on ports). A rule shows
 * only its id and parameters (no project, no policy id), measured; a policy's `rules` list shows
 * each with `type` and `qos_policy_id`. Neutron 21 filters rules by their parameters but not by
 * `direction` (`['direction'] is invalid attribute for filtering`, measured), nor networks and
 * ports by `qos_policy_id`; Quark the same.
 */
import { QuarkError, invalidField } from '../../errors.js';
import { VALID_DSCP_MARKS } from '../../qos.js';
import type { AttributeMap, ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { idAttributes, nameAttributes, timestampAttributes } from '../standard.js';
import { type Convert, bool, intIn, nullable, oneOf, quote, str, uuid } from '../validators.js';

/** neutron-lib's DB_INTEGER_MAX_VALUE: the largest rate a rule may give. */
export const MAX_RATE = 2147483647;

/**
 * neutron-lib's convert_to_int then validate range: a value that is no integer is
 * `InvalidInput` ("Invalid input for operation: 'abc' is not an integer."), one out of range a
 * 400 naming the field (both measured on Neutron 21).
 */
const rate: Convert<number> = (v, field) => {
  const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || typeof v === 'boolean') {
    throw new QuarkError('InvalidInput', `Invalid input for operation: '${quote(v)}' is not an integer.`);
  }
  if (n < 0) throw invalidField(field, `'${n}' is too small - must be at least '0'`);
  if (n > MAX_RATE) throw invalidField(field, `'${n}' is too large - must be no larger than '${MAX_RATE}'`);
  return n;
};

const direction = (values: readonly string[]): Convert<string> => {
  const one = oneOf(values);
  return (v, field) => {
    try {
      return one(v, field);
    } catch {
      throw invalidField(field, `${quote(v)} is not in valid_values`);
    }
  };
};

const dscpMark: Convert<number> = (v, field) => {
  const n = rate(v, field);
  try {
    return intIn(VALID_DSCP_MARKS)(n, field);
  } catch {
    throw invalidField(field, `${n} is not in valid_values`);
  }
};

/** What every rule has: its id, and the project it may be given (accepted, never shown). */
const ruleCommon: AttributeMap = {
  id: { filter: 'string', sort: true },
  project_id: { post: true, convert: str(255), visible: false },
  tenant_id: { post: true, convert: str(255), visible: false },
};

const param = (required: boolean, fallback?: number) => ({
  post: true,
  put: true,
  convert: rate,
  ...(required ? { required: true } : { default: fallback }),
  filter: 'integer' as const,
  sort: true,
});

const directionAttribute = (values: readonly string[]) => ({
  post: true,
  put: true,
  convert: direction(values),
  default: 'egress',
  sort: true,
});

const POLICY_PARENT = { member: 'policy', param: 'policy_id' } as const;

export const qosPolicies = {
  member: 'policy',
  collection: 'policies',
  path: 'qos/policies',
  // The tag extension names resources by collection only (neutron/extensions/tagging.py).
  tagsAt: 'policies',
  attributes: {
    ...idAttributes,
    name: nameAttributes.name!,
    description: nameAttributes.description!,
    shared: { post: true, put: true, convert: bool, default: false, filter: 'boolean' },
    rules: {},
    ...timestampAttributes,
  },
} satisfies ResourceDeclaration;

const rules = (type: string, attributes: AttributeMap): ResourceDeclaration => ({
  member: `${type}_rule`,
  collection: `${type}_rules`,
  path: `qos/policies/:policy_id/${type}_rules`,
  parent: POLICY_PARENT,
  attributes: { ...ruleCommon, ...attributes },
});

export const bandwidthLimitRules = rules('bandwidth_limit', {
  max_kbps: param(true),
  max_burst_kbps: param(false, 0),
});
export const dscpMarkingRules = rules('dscp_marking', {
  dscp_mark: { post: true, put: true, required: true, convert: dscpMark, filter: 'integer', sort: true },
});
export const minimumBandwidthRules = rules('minimum_bandwidth', {
  min_kbps: param(true),
  direction: directionAttribute(['egress']),
});
export const packetRateLimitRules = rules('packet_rate_limit', {
  max_kpps: param(true),
  max_burst_kpps: param(false, 0),
  direction: directionAttribute(['egress', 'ingress']),
});
export const minimumPacketRateRules = rules('minimum_packet_rate', {
  min_kpps: param(true),
  direction: directionAttribute(['any', 'ingress', 'egress']),
});

/**
 * A rule addressed without its policy (`qos-rules-alias`, `qos-pps-minimum-rule-alias`): only
 * show, update and delete exist (Neutron 21 answers a list with 500, measured; Quark has no list
 * or create route, so 404). The rule's own attributes
 * may change; the policy may not. Neutron builds these resources with translate_name
 * (neutron/extensions/qos_rules_alias.py), so the collection is `alias-<type>-rules` and a rule
 * travels as `alias_<type>_rule`.
 */
const alias = (of: ResourceDeclaration): ResourceDeclaration => {
  const attributes: Record<string, AttributeMap[string]> = { id: { filter: 'string', sort: true } };
  for (const [name, attr] of Object.entries(of.attributes)) {
    if (name in ruleCommon) continue;
    attributes[name] = { ...attr, post: false, required: false };
  }
  return {
    member: `alias_${of.member}`,
    collection: `alias_${of.collection}`,
    // build_resource_info(translate_name=True): the URL has dashes; the policy file's paths underscores.
    path: `qos/alias-${of.collection.replaceAll('_', '-')}`,
    aliases: [`qos/alias_${of.collection}`],
    memberOnly: true,
    attributes,
  };
};

/** The rule types the host drivers know (`GET /v2.0/qos/rule-types`); read-only. */
export const ruleTypes = {
  member: 'rule_type',
  collection: 'rule_types',
  path: 'qos/rule-types',
  attributes: { type: {} },
} satisfies ResourceDeclaration;

export const qos = {
  alias: 'qos',
  name: 'Quality of Service',
  description: 'The Quality of Service extension.',
  updated: '2015-06-08T10:00:00-00:00',
  resources: [qosPolicies, bandwidthLimitRules, dscpMarkingRules, minimumBandwidthRules, ruleTypes],
  attributes: {
    networks: { qos_policy_id: { post: true, put: true, convert: nullable(uuid), default: null } },
    ports: { qos_policy_id: { post: true, put: true, convert: nullable(uuid), default: null } },
  },
} satisfies ExtensionDeclaration;

export const qosBwLimitDirection = {
  alias: 'qos-bw-limit-direction',
  name: 'Direction for QoS bandwidth limit rule',
  description: 'Allow to configure QoS bandwidth limit rule with specific direction: ingress or egress',
  updated: '2017-04-10T10:00:00-00:00',
  attributes: { bandwidth_limit_rules: { direction: directionAttribute(['egress', 'ingress']) } },
} satisfies ExtensionDeclaration;

export const qosBwMinimumIngress = {
  alias: 'qos-bw-minimum-ingress',
  name: 'Ingress direction for QoS minimum bandwidth rule',
  description: 'Allow to configure QoS minumum bandwidth rule with ingress direction.',
  updated: '2018-07-09T10:00:00-00:00',
  attributes: { minimum_bandwidth_rules: { direction: directionAttribute(['egress', 'ingress']) } },
} satisfies ExtensionDeclaration;

export const qosDefault = {
  alias: 'qos-default',
  name: 'QoS default policy',
  description: 'Expose the QoS default policy per project',
  // Sic: neutron-lib's definition has this date.
  updated: '2017-041-06T10:00:00-00:00',
  attributes: { policies: { is_default: { post: true, put: true, convert: bool, default: false, filter: 'boolean' } } },
} satisfies ExtensionDeclaration;

export const qosPortNetworkPolicy = {
  alias: 'qos-port-network-policy',
  name: 'QoS port network policy ID',
  description: 'Adds a the QoS network ID to the port definition',
  updated: '2019-11-01T10:00:00-00:00',
  attributes: { ports: { qos_network_policy_id: {} } },
} satisfies ExtensionDeclaration;

export const qosPps = {
  alias: 'qos-pps',
  name: 'QoS Rule Type Packet per Second Extension',
  description: 'Add QoS Rule Type Packet per Second',
  updated: '2021-05-12T10:00:00-00:00',
  resources: [packetRateLimitRules],
} satisfies ExtensionDeclaration;

export const qosPpsMinimum = {
  alias: 'qos-pps-minimum',
  name: 'QoS minimum packet rate rule',
  description: 'Allow to configure QoS minimum packet rate rule.',
  updated: '2021-07-14T10:00:00-00:00',
  resources: [minimumPacketRateRules],
} satisfies ExtensionDeclaration;

export const qosPpsMinimumRuleAlias = {
  alias: 'qos-pps-minimum-rule-alias',
  name: 'QoS minimum packet rate rule alias',
  description: 'API to enable GET, PUT and DELETE operations on QoS minimum packet rate rule without specifying policy ID',
  updated: '2021-10-22T10:00:00-00:00',
  resources: [alias(minimumPacketRateRules)],
} satisfies ExtensionDeclaration;

export const qosRuleTypeDetails = {
  alias: 'qos-rule-type-details',
  name: 'Details of QoS rule types',
  description: 'Expose details about QoS rule types supported by loaded backend drivers',
  updated: '2017-06-22T10:00:00-00:00',
  attributes: { rule_types: { drivers: {} } },
} satisfies ExtensionDeclaration;

export const qosRuleTypeFilter = {
  alias: 'qos-rule-type-filter',
  name: 'Allow to filter the list of QoS rule types',
  description:
    'Allows to filter the QoS rule type list adding two new flags. "all_rules" prints all implemented QoS rule types."all_supported" prints all supported QoS rule types by the loaded mechanism drivers',
  updated: '2022-02-02T10:00:00-00:00',
  attributes: {
    rule_types: {
      all_rules: { convert: bool, visible: false, filter: 'boolean' },
      all_supported: { convert: bool, visible: false, filter: 'boolean' },
    },
  },
} satisfies ExtensionDeclaration;

export const qosRulesAlias = {
  alias: 'qos-rules-alias',
  name: 'Quality of Service rules alias API',
  description: 'API to enable GET, PUT and DELETE operations on QoS policy rules without specifying policy ID',
  updated: '2018-10-07T10:00:00-00:00',
  resources: [
    alias({
      ...bandwidthLimitRules,
      attributes: { ...bandwidthLimitRules.attributes, ...qosBwLimitDirection.attributes!.bandwidth_limit_rules },
    }),
    alias(dscpMarkingRules),
    alias({
      ...minimumBandwidthRules,
      attributes: { ...minimumBandwidthRules.attributes, ...qosBwMinimumIngress.attributes!.minimum_bandwidth_rules },
    }),
  ],
} satisfies ExtensionDeclaration;

/** Every QoS extension Quark offers, in the order the registry loads them. */
export const QOS_EXTENSIONS: readonly ExtensionDeclaration[] = [
  qos,
  qosBwLimitDirection,
  qosBwMinimumIngress,
  qosDefault,
  qosPortNetworkPolicy,
  qosPps,
  qosPpsMinimum,
  qosPpsMinimumRuleAlias,
  qosRuleTypeDetails,
  qosRuleTypeFilter,
  qosRulesAlias,
];
