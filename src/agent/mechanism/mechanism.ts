/**
 * An L2 mechanism as the agent runs it (ML2's mechanism drivers and their agents): how the host
 * is watched for plugged ports, what is read before each pass compiles the plan, and the
 * reconcile steps that apply the plan's L2 part. `openvswitch` and `linuxbridge` implement it;
 * the rest of the pass (namespaces, firewall, DHCP, L3, port status) is the same for both.
 */
import type { L2MechanismName } from '../../dataplane/compile/inputs.js';
import type { HostFacts } from '../../dataplane/compile/inputs.js';
import type { HostPlan } from '../../dataplane/compile/plan.js';
import type { SwitchState } from '../../dataplane/drivers/ovsdb/index.js';
import type { HostObservation, ReconcileStep } from '../reconcile/step.js';

/** What the mechanism tells the agent while it watches the host. */
export interface MechanismHooks {
  /** Something changed that a pass must look at (a port plugged or gone); `full` re-reads everything. */
  changed(full: boolean): void;
  /** An instance's port was plugged (for the plug-to-ACTIVE time) or went away. */
  plugged(portId: string): void;
  unplugged(portId: string): void;
  /** The port whose device has this name on this host, if the replica knows it (Linux bridge taps). */
  portOfDevice(name: string): { readonly id: string; readonly device_owner: string } | undefined;
}

export interface L2Mechanism {
  readonly name: L2MechanismName;
  /** Connects to what it needs and starts watching; before it, nothing else runs. */
  start(hooks: MechanismHooks): Promise<void>;
  stop(): Promise<void>;
  /** Reads the host for one pass: the facts the compiler takes and what the steps may reuse. */
  observe(): Promise<{ readonly facts: HostFacts; readonly observed: HostObservation }>;
  /** The steps that apply the plan's L2 part, in order, after the firewall. */
  readonly steps: readonly ReconcileStep[];
  /** Steps after which a wired port carries traffic: the port-status step requires them. */
  readonly wiredBy: readonly string[];
  /** Waits (bounded) until the datapath applied this pass's wiring; ports are reported ACTIVE after it. */
  datapathApplied(): Promise<void>;
  /** The L2 agent's counters in its heartbeat (`devices`, `tunnels`). */
  counters(plan: HostPlan | null): Record<string, unknown>;
  /** How the host's switch answers, for every role's heartbeat (`ovsdb`); nothing without Open vSwitch. */
  health(): Record<string, string>;
  /** Open vSwitch's database for explain and trace; no bridges on a host without Open vSwitch. */
  switchState(): Promise<SwitchState>;
}
