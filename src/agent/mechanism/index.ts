/** The L2 mechanisms an agent can run, by name (`quark agent --mechanism`). */
import type { Logger } from 'pino';
import type { L2MechanismName } from '../../dataplane/compile/inputs.js';
import type { OvsEnvironment } from '../../dataplane/drivers/ovs-ofctl.js';
import type { AgentHealth } from '../health.js';
import { LinuxBridgeMechanism } from './linuxbridge.js';
import type { L2Mechanism } from './mechanism.js';
import { OpenVswitchMechanism } from './openvswitch.js';

export type { L2Mechanism, MechanismHooks } from './mechanism.js';

/** What a mechanism is made with: where OVS is, the log, and the agent's record of its dependencies. */
export interface MechanismContext {
  readonly ovs: OvsEnvironment;
  readonly log: Logger;
  readonly health: AgentHealth;
}

export const L2_AGENT_MECHANISMS: Readonly<Record<L2MechanismName, (c: MechanismContext) => L2Mechanism>> = {
  openvswitch: (c) => new OpenVswitchMechanism(c.ovs, c.log, c.health),
  linuxbridge: (c) => new LinuxBridgeMechanism(c.log),
};
