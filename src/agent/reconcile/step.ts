/**
 * The shape every part of the agent's pass has: a named step that brings its objects on the
 * host to the plan. The agent runs its steps in order (reconciler.ts); each keeps its own cache
 * of what it applied, reports changes and failures per object, and the reconciler keeps each
 * object's status (`pending | applied | error`, revision, last error) and retries a failed one
 * with backoff while the others converge. A new driver or extension adds a step to the list.
 *
 * An object is what a step applies as one unit and can fail on its own: a namespace
 * (`qrouter-…`), a bridge, a port, or the host as a whole (`HOST`) where the tool works in one
 * batch for everything (the host's firewall, the OVSDB transaction).
 */
import type { HostSettings, ReplicaView } from '../../dataplane/compile/inputs.js';
import type { HostPlan } from '../../dataplane/compile/plan.js';
import type { BridgeLink } from '../../dataplane/drivers/linux-bridge.js';
import type { SwitchState } from '../../dataplane/drivers/ovsdb/index.js';

/** What a mechanism read from the host before a pass compiled its plan. */
export interface HostObservation {
  readonly switch?: SwitchState;
  readonly links?: readonly BridgeLink[];
}

/** The object of a step that applies everything at once. */
export const HOST = 'host';

export type ObjectState = 'pending' | 'applied' | 'error';

export interface ObjectStatus {
  readonly state: ObjectState;
  /** The replica revision whose plan the object was last brought to (applied) or tried (error). */
  readonly revision: number;
  /** Why the last attempt failed (error), or which step it waits for (pending). */
  readonly error: string | null;
  /** Failures in a row; the object is tried again at `retryAt` (backoff 100 ms doubling to 5 s). */
  readonly failures: number;
  readonly retryAt: string | null;
}

/** What a step sees of the pass it runs in. */
export interface Pass {
  readonly plan: HostPlan;
  /** A full resync: read everything from the host again, trust no cache, try every object. */
  readonly full: boolean;
  /** Before the first snapshot the plan is partial: nothing may be removed. */
  readonly synced: boolean;
  readonly revision: number;
  readonly replica: ReplicaView;
  readonly settings: HostSettings;
  /**
   * What the pass read from the host before compiling (the plan was compiled against it): the
   * switch (Open vSwitch hosts), the links (Linux bridge hosts).
   */
  readonly observed: HostObservation;
  /**
   * Namespaces made, or given a new device, in this pass: steps after the one that made them
   * visit them whole, since a recreated device lost its addresses and routes.
   */
  readonly renewed: Set<string>;
  /**
   * Whether this step should touch `object` now: false while it waits out its backoff after a
   * failure (full passes try everything), or while a step it requires failed for it.
   */
  due(object: string): boolean;
}

export interface StepResult {
  /** Changes made (host commands that changed something, API requests sent); 0: nothing to do. */
  readonly changes: number;
  /** Objects that failed, with why. Every other object the step was due to touch is applied. */
  readonly failed?: ReadonlyMap<string, unknown>;
  /** Anything else an operator wants to see in the status (dnsmasq starts and reloads…). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface ReconcileStep {
  /** Shown in the status socket, logs and metrics (`flows`, `routes`, `dnsmasq`…). */
  readonly name: string;
  /**
   * Steps whose failure holds this one back: for an object the required step failed for, or
   * entirely when it failed for `HOST` (no VIF is wired while the firewall cannot be applied).
   * Names of steps not in the list are ignored.
   */
  readonly requires?: readonly string[];
  /** Also runs before the first snapshot, with the partial plan (only the bridges do). */
  readonly beforeSync?: boolean;
  /** The keys of the objects this step keeps for the pass's plan. */
  objects(pass: Pass): Iterable<string>;
  /**
   * Brings the step's objects to the plan; idempotent. Incremental passes may skip objects whose
   * part of the plan is what the step last applied. Failures of single objects are returned;
   * a throw fails every object the step was due to touch.
   */
  apply(pass: Pass): Promise<StepResult>;
  /** Forgets what the step applied or sent (a new snapshot: the server's truth may differ). */
  reset?(): void;
}

/** The errors of a step's result, keyed by object, as messages. */
export function failureMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
