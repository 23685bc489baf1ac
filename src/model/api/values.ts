/**
 * The values of each resource's validated create and update requests, derived from its
 * declaration and from the declarations of the extensions that add attributes to it: the types
 * the resource's rules (server/plugin) receive instead of an untyped record.
 */
import type { CreateValues, UpdateValues } from './attribute.js';
import type { networks } from './core/network.js';
import type { ports } from './core/port.js';
import type {
  allowedAddressPairs,
  binding,
  dnsDomainPorts,
  dnsIntegration,
  externalNet,
  extraDhcpOpt,
  netMtu,
  netMtuWritable,
  portMacAddressRegenerate,
  portSecurity,
  provider,
} from './extensions/core-extensions.js';
import type { qos, qosDefault, qosPolicies, qosPortNetworkPolicy } from './extensions/qos.js';
import type { addressGroups } from './extensions/address-group.js';
import type { networkSegmentRanges } from './extensions/network-segment-range.js';
import type { rbacPolicies } from './extensions/rbac.js';
import type { subnets } from './core/subnet.js';
import type { addressScope } from './extensions/address-scope.js';
import type { dvr, extGwMode, extraRoute, floatingIps, l3Ha, routers } from './extensions/l3.js';
import type { networkAvailabilityZone, routerAvailabilityZone } from './extensions/read-only-lists.js';
import type { securityGroup, securityGroupRules, securityGroups } from './extensions/security-group.js';
import type { statefulSecurityGroup } from './extensions/stateful-security-group.js';
import type { securityGroupsRemoteAddressGroup } from './extensions/address-group.js';
import type { defaultSubnetpools, subnetAllocation, subnetPools } from './extensions/subnetpool.js';

import type { conntrackHelpers } from './extensions/conntrack-helper.js';
import type { flavorsResource, l3Flavors, serviceProfiles } from './extensions/flavors.js';
import type { localIps, portAssociations } from './extensions/local-ip.js';
import type { logs } from './extensions/logging.js';
import type { meteringLabelRules, meteringLabels, meteringSourceAndDestinationFields } from './extensions/metering.js';
import type { portForwardings } from './extensions/port-forwarding.js';
import type { trunks } from './extensions/trunk.js';
import type { addressScopes } from './extensions/address-scope.js';

type RouterAttributes = typeof routers.attributes &
  typeof extGwMode.attributes.routers &
  typeof extraRoute.attributes.routers &
  typeof dvr.attributes.routers &
  typeof l3Ha.attributes.routers &
  typeof l3Flavors.attributes.routers &
  typeof routerAvailabilityZone.attributes.routers;
export type RouterCreate = CreateValues<RouterAttributes>;
export type RouterUpdate = UpdateValues<RouterAttributes>;

type SubnetAttributes = typeof subnets.attributes &
  typeof defaultSubnetpools.attributes.subnets &
  typeof subnetAllocation.attributes.subnets;
export type SubnetCreate = CreateValues<SubnetAttributes>;
export type SubnetUpdate = UpdateValues<SubnetAttributes>;

type FloatingIpAttributes = typeof floatingIps.attributes;
export type FloatingIpCreate = CreateValues<FloatingIpAttributes>;
export type FloatingIpUpdate = UpdateValues<FloatingIpAttributes>;

type SubnetPoolAttributes = typeof subnetPools.attributes & typeof addressScope.attributes.subnetpools;
export type SubnetPoolCreate = CreateValues<SubnetPoolAttributes>;
export type SubnetPoolUpdate = UpdateValues<SubnetPoolAttributes>;

type SecurityGroupAttributes = typeof securityGroups.attributes & typeof statefulSecurityGroup.attributes.security_groups;
export type SecurityGroupCreate = CreateValues<SecurityGroupAttributes>;
export type SecurityGroupUpdate = UpdateValues<SecurityGroupAttributes>;

type SecurityGroupRuleAttributes = typeof securityGroupRules.attributes &
  typeof securityGroupsRemoteAddressGroup.attributes.security_group_rules;
export type SecurityGroupRuleCreate = CreateValues<SecurityGroupRuleAttributes>;
export type SecurityGroupRuleUpdate = UpdateValues<SecurityGroupRuleAttributes>;

/** A sub-resource's create request also names its parent, by the parameter of its URL. */
type UnderParent<Param extends string> = { readonly [K in Param]: string };

type AddressScopeAttributes = typeof addressScopes.attributes;
export type AddressScopeCreate = CreateValues<AddressScopeAttributes>;
export type AddressScopeUpdate = UpdateValues<AddressScopeAttributes>;

type PortForwardingAttributes = typeof portForwardings.attributes;
export type PortForwardingCreate = CreateValues<PortForwardingAttributes> & UnderParent<'floatingip_id'>;
export type PortForwardingUpdate = UpdateValues<PortForwardingAttributes>;

type ConntrackHelperAttributes = typeof conntrackHelpers.attributes;
export type ConntrackHelperCreate = CreateValues<ConntrackHelperAttributes> & UnderParent<'router_id'>;
export type ConntrackHelperUpdate = UpdateValues<ConntrackHelperAttributes>;

type LocalIpAttributes = typeof localIps.attributes;
export type LocalIpCreate = CreateValues<LocalIpAttributes>;
export type LocalIpUpdate = UpdateValues<LocalIpAttributes>;
export type LocalIpAssociationCreate = CreateValues<typeof portAssociations.attributes> & UnderParent<'local_ip_id'>;

type MeteringLabelAttributes = typeof meteringLabels.attributes;
export type MeteringLabelCreate = CreateValues<MeteringLabelAttributes>;
export type MeteringLabelUpdate = UpdateValues<MeteringLabelAttributes>;
type MeteringLabelRuleAttributes = typeof meteringLabelRules.attributes &
  typeof meteringSourceAndDestinationFields.attributes.metering_label_rules;
export type MeteringLabelRuleCreate = CreateValues<MeteringLabelRuleAttributes>;
export type MeteringLabelRuleUpdate = UpdateValues<MeteringLabelRuleAttributes>;

type NetworkLogAttributes = typeof logs.attributes;
export type NetworkLogCreate = CreateValues<NetworkLogAttributes>;
export type NetworkLogUpdate = UpdateValues<NetworkLogAttributes>;

type QosPolicyAttributes = typeof qosPolicies.attributes & typeof qosDefault.attributes.policies;
export type QosPolicyCreate = CreateValues<QosPolicyAttributes>;
export type QosPolicyUpdate = UpdateValues<QosPolicyAttributes>;

type TrunkAttributes = typeof trunks.attributes;
export type TrunkCreate = CreateValues<TrunkAttributes>;
export type TrunkUpdate = UpdateValues<TrunkAttributes>;

type FlavorAttributes = typeof flavorsResource.attributes;
export type FlavorCreate = CreateValues<FlavorAttributes>;
export type FlavorUpdate = UpdateValues<FlavorAttributes>;
type ServiceProfileAttributes = typeof serviceProfiles.attributes;
export type ServiceProfileCreate = CreateValues<ServiceProfileAttributes>;
export type ServiceProfileUpdate = UpdateValues<ServiceProfileAttributes>;

type NetworkAttributes = typeof networks.attributes &
  typeof dnsIntegration.attributes.networks &
  typeof externalNet.attributes.networks &
  typeof netMtu.attributes.networks &
  typeof netMtuWritable.attributes.networks &
  typeof portSecurity.attributes.networks &
  typeof provider.attributes.networks &
  typeof qos.attributes.networks &
  typeof networkAvailabilityZone.attributes.networks;
export type NetworkCreate = CreateValues<NetworkAttributes>;
export type NetworkUpdate = UpdateValues<NetworkAttributes>;

type PortAttributes = typeof ports.attributes &
  typeof allowedAddressPairs.attributes.ports &
  typeof binding.attributes.ports &
  typeof dnsDomainPorts.attributes.ports &
  typeof dnsIntegration.attributes.ports &
  typeof extraDhcpOpt.attributes.ports &
  typeof portMacAddressRegenerate.attributes.ports &
  typeof portSecurity.attributes.ports &
  typeof qos.attributes.ports &
  typeof qosPortNetworkPolicy.attributes.ports &
  typeof securityGroup.attributes.ports;
export type PortCreate = CreateValues<PortAttributes>;
export type PortUpdate = UpdateValues<PortAttributes>;

type AddressGroupAttributes = typeof addressGroups.attributes;
export type AddressGroupCreate = CreateValues<AddressGroupAttributes>;
export type AddressGroupUpdate = UpdateValues<AddressGroupAttributes>;

type RbacPolicyAttributes = typeof rbacPolicies.attributes;
export type RbacPolicyCreate = CreateValues<RbacPolicyAttributes>;
export type RbacPolicyUpdate = UpdateValues<RbacPolicyAttributes>;

type NetworkSegmentRangeAttributes = typeof networkSegmentRanges.attributes;
export type NetworkSegmentRangeCreate = CreateValues<NetworkSegmentRangeAttributes>;
export type NetworkSegmentRangeUpdate = UpdateValues<NetworkSegmentRangeAttributes>;
