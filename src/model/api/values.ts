/**
 * The values of each resource's validated create and update requests, derived from its
 * declaration and from the declarations of the extensions that add attributes to it: the types
 * the resource's rules (server/plugin) receive instead of an untyped record.
 */
import type { CreateValues, UpdateValues } from './attribute.js';
import type { subnets } from './core/subnet.js';
import type { addressScope } from './extensions/address-scope.js';
import type { l3Flavors } from './extensions/flavors.js';
import type { dvr, extGwMode, extraRoute, floatingIps, l3Ha, routers } from './extensions/l3.js';
import type { routerAvailabilityZone } from './extensions/read-only-lists.js';
import type { securityGroupRules, securityGroups } from './extensions/security-group.js';
import type { statefulSecurityGroup } from './extensions/stateful-security-group.js';
import type { securityGroupsRemoteAddressGroup } from './extensions/address-group.js';
import type { defaultSubnetpools, subnetAllocation, subnetPools } from './extensions/subnetpool.js';

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
