/**
 * The Neutron API this server offers: which core resources and extensions are loaded, and the
 * rules behind each collection. `GET /v2.0/extensions` lists exactly these extensions.
 */
import type { ExtensionDeclaration } from '../model/api/attribute.js';
import { networks } from '../model/api/core/network.js';
import { ports } from '../model/api/core/port.js';
import { subnets } from '../model/api/core/subnet.js';
import { agent, dhcpAgentScheduler, l3AgentScheduler } from '../model/api/extensions/agent.js';
import {
  allowedAddressPairs,
  behaviourExtensions,
  binding,
  externalNet,
  dnsIntegration,
  dnsDomainPorts,
  extraDhcpOpt,
  portMacAddressRegenerate,
  netMtu,
  netMtuWritable,
  portSecurity,
  provider,
} from '../model/api/extensions/core-extensions.js';
import {
  dvr,
  extGwMode,
  extraRoute,
  extraRouteAtomic,
  l3Ha,
  router,
  routerAdminStateDownBeforeUpdate,
} from '../model/api/extensions/l3.js';
import { networkIpAvailability } from '../model/api/extensions/network-ip-availability.js';
import { quotaDetails, quotas } from '../model/api/extensions/quotas.js';
import { securityGroup } from '../model/api/extensions/security-group.js';
import { addressScope } from '../model/api/extensions/address-scope.js';
import { rbacObjectTypeExtensions, rbacPoliciesExtension, securityGroupsSharedFiltering } from '../model/api/extensions/rbac.js';
import { defaultSubnetpools, subnetAllocation, subnetpoolPrefixOps } from '../model/api/extensions/subnetpool.js';
import {
  availabilityZone,
  fipPortDetails,
  floatingIpPoolsExtension,
  networkAvailabilityZone,
  routerAvailabilityZone,
  serviceType,
} from '../model/api/extensions/read-only-lists.js';
import { flavors, l3Flavors } from '../model/api/extensions/flavors.js';
import { addressGroup, securityGroupsRemoteAddressGroup } from '../model/api/extensions/address-group.js';
import { logging } from '../model/api/extensions/logging.js';
import { statefulSecurityGroup } from '../model/api/extensions/stateful-security-group.js';
import { exposeL3ConntrackHelper, l3ConntrackHelper } from '../model/api/extensions/conntrack-helper.js';
import { metering, meteringSourceAndDestinationFields } from '../model/api/extensions/metering.js';
import { localIp } from '../model/api/extensions/local-ip.js';
import { QOS_EXTENSIONS } from '../model/api/extensions/qos.js';
import { trunk, trunkDetails } from '../model/api/extensions/trunk.js';
import { networkSegmentRange } from '../model/api/extensions/network-segment-range.js';
import {
  exposePortForwardingInFip,
  floatingIpPortForwarding,
  floatingIpPortForwardingDescription,
  floatingIpPortForwardingDetail,
  floatingIpPortForwardingPortRanges,
} from '../model/api/extensions/port-forwarding.js';
import { type ApiRegistry, buildRegistry } from '../model/api/registry.js';
import { type AnyResourceHandler, bindHandler } from './api/resource.js';
import { agentHandler } from './plugin/agents.js';
import { floatingIpHandler } from './plugin/floating-ips.js';
import { networkHandler } from './plugin/networks.js';
import { portHandler } from './plugin/ports.js';
import { routerHandler } from './plugin/routers.js';
import { securityGroupRuleHandler } from './plugin/security-group-rules.js';
import { securityGroupHandler } from './plugin/security-groups.js';
import { addressGroupHandler } from './plugin/address-groups.js';
import { networkLogHandler } from './plugin/network-logs.js';
import { subnetHandler } from './plugin/subnets.js';
import { withRouterExtensions } from './plugin/l3-extensions.js';
import { conntrackHelperHandler } from './plugin/conntrack-helpers.js';
import { meteringLabelHandler, meteringLabelRuleHandler } from './plugin/metering.js';
import { localIpAssociationHandler, localIpHandler } from './plugin/local-ips.js';
import { trunkHandler } from './plugin/trunks.js';
import { networkSegmentRangeHandler } from './plugin/network-segment-ranges.js';
import { portForwardingHandler } from './plugin/port-forwardings.js';
import { addressScopeHandler } from './plugin/address-scopes.js';
import { rbacPolicyHandler } from './plugin/rbac-policies.js';
import { subnetPoolHandler } from './plugin/subnetpools.js';
import { flavorHandler, serviceProfileHandler } from './plugin/flavors.js';
import { qosPolicyHandler } from './plugin/qos-policies.js';
import { qosRuleHandlers } from './plugin/qos-rules.js';

export interface NeutronApi {
  readonly registry: ApiRegistry;
  handlers(registry: ApiRegistry): AnyResourceHandler[];
}

/** Every extension the server offers, in load order (a later one may refine an attribute). */
const EXTENSIONS: readonly ExtensionDeclaration[] = [
  externalNet,
  provider,
  netMtu,
  netMtuWritable,
  portSecurity,
  binding,
  allowedAddressPairs,
  extraDhcpOpt,
  portMacAddressRegenerate,
  router,
  dnsIntegration,
  dnsDomainPorts,
  extGwMode,
  extraRoute,
  extraRouteAtomic,
  dvr,
  l3Ha,
  routerAdminStateDownBeforeUpdate,
  securityGroup,
  quotas,
  quotaDetails,
  agent,
  l3AgentScheduler,
  dhcpAgentScheduler,
  networkIpAvailability,
  ...behaviourExtensions,
  subnetAllocation,
  defaultSubnetpools,
  subnetpoolPrefixOps,
  addressScope,
  rbacPoliciesExtension,
  ...rbacObjectTypeExtensions,
  securityGroupsSharedFiltering,
  availabilityZone,
  networkAvailabilityZone,
  routerAvailabilityZone,
  floatingIpPoolsExtension,
  fipPortDetails,
  serviceType,
  flavors,
  l3Flavors,
  // Security group extensions (docs/security-groups.md, docs/security-group-logging.md).
  statefulSecurityGroup,
  addressGroup,
  securityGroupsRemoteAddressGroup,
  logging,
  // Router extensions (docs/port-forwarding.md, docs/metering.md, docs/l3.md).
  floatingIpPortForwarding,
  floatingIpPortForwardingDescription,
  floatingIpPortForwardingPortRanges,
  floatingIpPortForwardingDetail,
  exposePortForwardingInFip,
  l3ConntrackHelper,
  exposeL3ConntrackHelper,
  metering,
  meteringSourceAndDestinationFields,
  localIp,
  // Quality of service (docs/qos.md).
  ...QOS_EXTENSIONS,
  // Trunks (docs/trunks.md).
  trunk,
  trunkDetails,
  // Network segment ranges (docs/api.md).
  networkSegmentRange,
];

/** The rules of every resource. */
const HANDLER_SPECS = [
  networkHandler,
  subnetHandler,
  portHandler,
  routerHandler,
  floatingIpHandler,
  securityGroupHandler,
  securityGroupRuleHandler,
  agentHandler,
  subnetPoolHandler,
  addressScopeHandler,
  rbacPolicyHandler,
  flavorHandler,
  serviceProfileHandler,
  addressGroupHandler,
  networkLogHandler,
  portForwardingHandler,
  conntrackHelperHandler,
  meteringLabelHandler,
  meteringLabelRuleHandler,
  localIpHandler,
  localIpAssociationHandler,
  qosPolicyHandler,
  ...qosRuleHandlers,
  trunkHandler,
  networkSegmentRangeHandler,
];

export function neutronApi(): NeutronApi {
  const registry = buildRegistry([networks, subnets, ports], EXTENSIONS);
  const specs = HANDLER_SPECS.map(withRouterExtensions);
  return {
    registry,
    handlers: (r) => specs.map((spec) => bindHandler(spec as never, r.resources) as AnyResourceHandler),
  };
}
