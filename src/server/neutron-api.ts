/**
 * The Neutron API this server offers: which core resources and extensions are loaded, and the
 * rules behind each collection. `GET /v2.0/extensions` lists exactly these extensions.
 */
import { networks } from '../model/api/core/network.js';
import { ports } from '../model/api/core/port.js';
import { subnets } from '../model/api/core/subnet.js';
import { agent, dhcpAgentScheduler, l3AgentScheduler } from '../model/api/extensions/agent.js';
import {
  allowedAddressPairs,
  behaviourExtensions,
  binding,
  externalNet,
  netMtu,
  netMtuWritable,
  portSecurity,
  provider,
} from '../model/api/extensions/core-extensions.js';
import { extGwMode, extraRoute, l3Ha, router } from '../model/api/extensions/l3.js';
import { networkIpAvailability } from '../model/api/extensions/network-ip-availability.js';
import { quotaDetails, quotas } from '../model/api/extensions/quotas.js';
import { securityGroup } from '../model/api/extensions/security-group.js';
import { addressGroup, securityGroupsRemoteAddressGroup } from '../model/api/extensions/address-group.js';
import { logging } from '../model/api/extensions/logging.js';
import { statefulSecurityGroup } from '../model/api/extensions/stateful-security-group.js';
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

export interface NeutronApi {
  readonly registry: ApiRegistry;
  handlers(registry: ApiRegistry): AnyResourceHandler[];
}

export function neutronApi(): NeutronApi {
  const registry = buildRegistry(
    [networks, subnets, ports],
    [
      externalNet,
      provider,
      netMtu,
      netMtuWritable,
      portSecurity,
      binding,
      allowedAddressPairs,
      router,
      extGwMode,
      extraRoute,
      l3Ha,
      securityGroup,
      quotas,
      quotaDetails,
      agent,
      l3AgentScheduler,
      dhcpAgentScheduler,
      networkIpAvailability,
      ...behaviourExtensions,
      // Security group extensions (docs/security-groups.md, docs/security-group-logging.md).
      statefulSecurityGroup,
      addressGroup,
      securityGroupsRemoteAddressGroup,
      logging,
    ],
  );
  const specs = [
    networkHandler,
    subnetHandler,
    portHandler,
    routerHandler,
    floatingIpHandler,
    securityGroupHandler,
    securityGroupRuleHandler,
    agentHandler,
    addressGroupHandler,
    networkLogHandler,
  ];
  return {
    registry,
    handlers: (r) => specs.map((spec) => bindHandler(spec as never, r.resources) as AnyResourceHandler),
  };
}
