/**
 * What the agents' port keepers share (DHCP ports, HA ports): carry out a pure plan of port
 * actions through the API, one owner (a network, a router) at a time, and remember what was
 * asked until the feed shows the result, so a pass that runs before the feed catches up does
 * not ask twice.
 */
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import type { Port } from '../model/resources.js';

export interface PortAction {
  readonly op: 'create' | 'update' | 'delete';
}

/** One kind of kept port: where its ports are, what to do, and how to do it. */
export interface KeptPorts<A extends PortAction> {
  /** This host's ports of the kind in the replica, by owner. */
  portsOf(replica: ReplicaView): Map<string, Port[]>;
  plan(replica: ReplicaView): A[];
  /** The network or router the action serves: what `due` and the failures are keyed by. */
  ownerOf(action: A): string;
  /**
   * The port an update or delete acts on, with the revision it had: the same action is not sent
   * again until the port has another revision (undefined: not while the port is there).
   */
  target(action: A): { readonly portId: string; readonly revision?: number } | null;
  carryOut(action: A): Promise<void>;
}

export class PortKeeper<A extends PortAction> {
  /** Owners whose port was created (or found) but is not in the replica yet. */
  private readonly pending = new Set<string>();
  /** Ports acted on, with the revision they had. */
  private readonly acted = new Map<string, number | undefined>();

  constructor(private readonly kind: KeptPorts<A>) {}

  /** Forget what was asked (after a snapshot the replica is the server's truth again). */
  reset(): void {
    this.pending.clear();
    this.acted.clear();
  }

  /**
   * Carries out the plan for the owners `due` lets it touch now. Call only with a synced
   * replica (before the first snapshot it would delete what it cannot see). Returns how many
   * actions were carried out and the owners whose action failed (each is tried again on a
   * later pass).
   */
  async sync(
    replica: ReplicaView,
    due: (owner: string) => boolean = () => true,
  ): Promise<{ done: number; failed: Map<string, unknown> }> {
    const mine = this.kind.portsOf(replica);
    for (const owner of [...this.pending]) if (mine.has(owner)) this.pending.delete(owner);
    const present = new Set([...mine.values()].flat().map((p) => p.id));
    for (const id of [...this.acted.keys()]) if (!present.has(id)) this.acted.delete(id);
    let done = 0;
    const failed = new Map<string, unknown>();
    for (const action of this.kind.plan(replica)) {
      const owner = this.kind.ownerOf(action);
      const target = this.kind.target(action);
      const asked =
        target === null
          ? this.pending.has(owner)
          : this.acted.has(target.portId) && this.acted.get(target.portId) === target.revision;
      if (asked || !due(owner)) continue;
      try {
        await this.kind.carryOut(action);
        if (target === null) this.pending.add(owner);
        else this.acted.set(target.portId, target.revision);
        done++;
      } catch (e) {
        failed.set(owner, e);
      }
    }
    return { done, failed };
  }
}
