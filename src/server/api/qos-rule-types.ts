/**
 * `GET /v2.0/qos/rule-types` and `GET /v2.0/qos/rule-types/{type}` (`qos-rule-type-details`):
 * what the host drivers enforce, as Neutron's QoS driver manager reports its loaded drivers
 * (neutron/services/qos/drivers/manager.py). Quark has one driver, `openvswitch`, which takes
 * every rule type neutron-lib knows with the parameters Neutron's Open vSwitch driver declares
 * (neutron/services/qos/drivers/openvswitch/driver.py SUPPORTED_RULES); which of them the agent
 * enforces on the host is in docs/qos.md. The list is open to every caller (get_rule_type is
 * RULE_ANY in Neutron's deprecated defaults, which Zed honours); the details are for admins only
 * (qos_plugin.py get_rule_type raises NotAuthorized for others).
 */
import type { FastifyInstance } from 'fastify';
import type { ResourceDeclaration } from '../../model/api/attribute.js';
import { QuarkError } from '../../model/errors.js';
import { QOS_RULE_TYPES, type QosRuleType, VALID_DSCP_MARKS } from '../../model/qos.js';
import { MAX_RATE } from '../../model/api/extensions/qos.js';
import type { RouteDeps } from './collection-routes.js';
import { type QueryBag, parseListQuery } from './list-query.js';
import { renderRecord } from './render.js';

type Parameter = { parameter_name: string; parameter_values: unknown; parameter_type: 'range' | 'choices' };

const range = (name: string): Parameter => ({
  parameter_name: name,
  parameter_values: { start: 0, end: MAX_RATE },
  parameter_type: 'range',
});
const choices = (name: string, values: readonly (string | number)[]): Parameter => ({
  parameter_name: name,
  parameter_values: [...values],
  parameter_type: 'choices',
});
const DIRECTIONS = ['ingress', 'egress'] as const;

/** The `openvswitch` driver's parameters per rule type, in the order Neutron's driver declares them. */
const SUPPORTED_PARAMETERS: Readonly<Record<QosRuleType, readonly Parameter[]>> = {
  bandwidth_limit: [range('max_kbps'), range('max_burst_kbps'), choices('direction', DIRECTIONS)],
  packet_rate_limit: [range('max_kpps'), range('max_burst_kpps'), choices('direction', DIRECTIONS)],
  dscp_marking: [choices('dscp_mark', VALID_DSCP_MARKS)],
  minimum_bandwidth: [range('min_kbps'), choices('direction', DIRECTIONS)],
  minimum_packet_rate: [range('min_kpps'), choices('direction', ['any', ...DIRECTIONS])],
};

const ruleTypeNotFound = (type: string) => new QuarkError('QosRuleTypeNotFound', `QoS rule type ${type} could not be found.`);

export function registerQosRuleTypes(app: FastifyInstance, decl: ResourceDeclaration, deps: RouteDeps): void {
  app.get('/v2.0/qos/rule-types', async (request) => {
    deps.callerOf(request);
    const q = parseListQuery(decl, request.query as QueryBag, deps.paginationMaxLimit);
    // all_rules / all_supported (qos-rule-type-filter) list the same types here: one driver takes them all.
    const types = QOS_RULE_TYPES.map((type) => ({ type }));
    return { rule_types: types.map((t) => renderRecord(t, undefined, ['type'], q.fields)) };
  });
  app.get<{ Params: { type: string } }>('/v2.0/qos/rule-types/:type', async (request) => {
    const caller = deps.callerOf(request);
    if (!caller.isAdmin) throw new QuarkError('NotAuthorized', 'Not authorized.');
    const type = request.params.type as QosRuleType;
    if (!QOS_RULE_TYPES.includes(type)) throw ruleTypeNotFound(request.params.type);
    return { rule_type: { type, drivers: [{ name: 'openvswitch', supported_parameters: SUPPORTED_PARAMETERS[type] }] } };
  });
}
