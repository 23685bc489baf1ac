/** The L2 mechanisms an agent can run, by name (`quark agent --mechanism`). */
import type { Logger } from 'pino';
import type { L2MechanismName } from '../../dataplane/compile/inputs.js';
import type { OvsEnvironment } from '../../dataplane/drivers/ovs-ofctl.js';
import { LinuxBridgeMechanism } from './linuxbridge.js';
import type { L2Mechanism } from './mechanism.js';
import { OpenVswitchMechanism } from './openvswitch.js';

export type { L2Mechanism, MechanismHooks } from './mechanism.js';

export const L2_AGENT_MECHANISMS: Readonly<Record<L2MechanismName, (ovs: OvsEnvironment, log: Logger) => L2Mechanism>> = {
  openvswitch: (ovs, log) => new OpenVswitchMechanism(ovs, log),
  linuxbridge: (_ovs, log) => new LinuxBridgeMechanism(log),
};
