/** Neutron's 404 for each resource, with its exact wording. */
import { QuarkError } from '../../model/errors.js';

export const networkNotFound = (id: string) => new QuarkError('NetworkNotFound', `Network ${id} could not be found.`);
export const subnetNotFound = (id: string) => new QuarkError('SubnetNotFound', `Subnet ${id} could not be found.`);
export const portNotFound = (id: string) => new QuarkError('PortNotFound', `Port ${id} could not be found.`);
export const routerNotFound = (id: string) => new QuarkError('RouterNotFound', `Router ${id} could not be found`);
export const floatingIpNotFound = (id: string) => new QuarkError('FloatingIPNotFound', `Floating IP ${id} could not be found`);
export const securityGroupNotFound = (id: string) =>
  new QuarkError('SecurityGroupNotFound', `Security group ${id} does not exist`);
export const securityGroupRuleNotFound = (id: string) =>
  new QuarkError('SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`);
export const agentNotFound = (id: string) => new QuarkError('AgentNotFound', `Agent ${id} could not be found.`);
