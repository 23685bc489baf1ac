/**
 * Turns a batch of bridge and port changes into ONE OVSDB transaction, given what the database
 * holds now (pure: no I/O). It writes only what differs, so applying the same change twice sends
 * nothing the second time.
 *
 * References are changed with `mutate` (`insert`/`delete` on the `Open_vSwitch.bridges` and
 * `Bridge.ports` sets) rather than by rewriting the sets, so writers that add or remove other
 * bridges and ports at the same time never undo each other. Rows nobody references any more
 * (a removed port, its interfaces, a removed bridge's ports) are collected by ovsdb-server itself,
 * exactly as after `ovs-vsctl del-port`.
 */
import { QuarkError, invalidInput } from '../../../model/errors.js';
import { type Mutation, type Operation, byUuid, comment, insert, mutate, select, update } from './operations.js';
import type { BridgeState, InterfaceState, PortState, SwitchState } from './switch-state.js';
import {
  type BridgeSpec,
  type InterfaceSpec,
  type PortSpec,
  bridgeChanges,
  bridgeRow,
  interfaceChanges,
  interfaceRow,
  isEmpty,
  portChanges,
  portRow,
} from './switch-rows.js';
import { type Atom, isUuid, namedUuid, set, uuid } from './values.js';

export interface SwitchChange {
  /** Bridges that must exist with these settings (`--may-exist add-br`). */
  readonly bridges?: readonly BridgeSpec[];
  /** Ports that must exist on their bridge with these settings and interfaces (`--may-exist add-port`). */
  readonly ports?: readonly PortSpec[];
  /** Ports to remove, by name; a port that is already gone is fine (`--if-exists del-port`). */
  readonly removePorts?: readonly string[];
  /** Bridges to remove with all their ports (`--if-exists del-br`). */
  readonly removeBridges?: readonly string[];
  /** Recorded in the database log with the transaction, as ovs-vsctl records its command line. */
  readonly comment?: string;
}

export interface SwitchTransaction {
  /** Empty when the database already matches the change. */
  readonly ops: readonly Operation[];
  /** Index of the `select` whose row holds the raised `next_cfg`, when asked to raise it. */
  readonly nextCfgIndex: number | undefined;
}

interface Located<T> {
  readonly row: T;
  readonly owner: string;
}

/**
 * Plans the transaction (what one `ovs-vsctl -- --may-exist add-br … -- --may-exist add-port …
 * -- --if-exists del-port …` call computes before it commits; applySwitchChange sends it).
 * `raiseNextCfg` adds `next_cfg += 1` and reads it back, as ovs-vsctl does
 * when it will wait for ovs-vswitchd. Throws InvalidInput for a change that contradicts itself or
 * the database (a port on a bridge that does not exist, an interface that belongs to another port).
 */
export function planSwitchChange(state: SwitchState, change: SwitchChange, raiseNextCfg = false): SwitchTransaction {
  const planner = new Planner(state, change);
  const ops = planner.plan();
  if (ops.length === 0) return { ops, nextCfgIndex: undefined };
  if (!raiseNextCfg) return { ops: withComment(change, ops), nextCfgIndex: undefined };
  const root = uuid(planner.root());
  const all = withComment(change, [
    ...ops,
    mutate('Open_vSwitch', [byUuid(root)], [['next_cfg', '+=', 1]]),
    select('Open_vSwitch', [byUuid(root)], ['next_cfg']),
  ]);
  return { ops: all, nextCfgIndex: all.length - 1 };
}

function withComment(change: SwitchChange, ops: Operation[]): Operation[] {
  return change.comment ? [comment(change.comment), ...ops] : ops;
}

class Planner {
  private readonly bridges: ReadonlyMap<string, BridgeState>;
  private readonly ports = new Map<string, Located<PortState>>();
  private readonly interfaces = new Map<string, Located<InterfaceState>>();
  private readonly inserts: Operation[] = [];
  private readonly updates: Operation[] = [];
  /** Per bridge name: port references to add and to drop. */
  private readonly portRefs = new Map<string, { add: Atom[]; drop: Atom[] }>();
  private readonly removedBridges: Set<string>;
  private readonly removedPorts: Set<string>;
  private names = 0;

  constructor(
    private readonly state: SwitchState,
    private readonly change: SwitchChange,
  ) {
    this.bridges = new Map(state.bridges.map((b) => [b.name, b]));
    for (const b of state.bridges)
      for (const p of b.ports) {
        this.ports.set(p.name, { row: p, owner: b.name });
        for (const i of p.interfaces) this.interfaces.set(i.name, { row: i, owner: p.name });
      }
    this.removedBridges = new Set(change.removeBridges ?? []);
    this.removedPorts = new Set(change.removePorts ?? []);
    this.validate();
  }

  root(): string {
    if (!this.state.rootUuid)
      throw new QuarkError('HostCommandFailed', 'the Open_vSwitch database has no root row', { detail: 'run: ovs-vsctl init' });
    return this.state.rootUuid;
  }

  plan(): Operation[] {
    for (const spec of this.change.ports ?? []) this.planPort(spec);
    for (const name of this.removedPorts) this.planPortRemoval(name);
    const newBridges: Atom[] = [];
    for (const spec of this.change.bridges ?? []) {
      const now = this.bridges.get(spec.name);
      if (now) {
        const row = bridgeChanges(spec, now);
        if (!isEmpty(row)) this.updates.push(update('Bridge', [byUuid(uuid(now.uuid))], row));
        continue;
      }
      const ref = this.newName();
      const ports = this.portRefs.get(spec.name)?.add ?? [];
      this.portRefs.delete(spec.name);
      if (!this.change.ports?.some((p) => p.name === spec.name)) ports.push(this.localPort(spec.name));
      this.inserts.push(insert('Bridge', { ...bridgeRow(spec), ports: set(ports) }, ref));
      newBridges.push(namedUuid(ref));
    }
    const ops = [...this.inserts, ...this.updates, ...this.bridgePortMutations()];
    const dropBridges = [...this.removedBridges].flatMap((n) => {
      const b = this.bridges.get(n);
      return b ? [uuid(b.uuid)] : [];
    });
    const rootMutations: Mutation[] = [];
    if (dropBridges.length > 0) rootMutations.push(['bridges', 'delete', set(dropBridges)]);
    if (newBridges.length > 0) rootMutations.push(['bridges', 'insert', set(newBridges)]);
    if (rootMutations.length > 0) ops.push(mutate('Open_vSwitch', [byUuid(uuid(this.root()))], rootMutations));
    return ops;
  }

  private planPort(spec: PortSpec): void {
    const found = this.ports.get(spec.name);
    const now = found && !this.removedBridges.has(found.owner) ? found : undefined;
    if (!now) {
      const interfaces = (spec.interfaces ?? [{}]).map((i) => this.insertInterface(spec, i));
      const ref = this.newName();
      this.inserts.push(insert('Port', portRow(spec, set(interfaces)), ref));
      this.refs(spec.bridge).add.push(namedUuid(ref));
      return;
    }
    const row = portChanges(spec, now.row);
    if (spec.interfaces) {
      const current = now.row.interfaces.map((i) => i.uuid).sort();
      const wanted = spec.interfaces.map((i) => {
        const existing = now.row.interfaces.find((x) => x.name === (i.name ?? spec.name));
        if (!existing) return this.insertInterface(spec, i);
        const changes = interfaceChanges(i, existing);
        if (!isEmpty(changes)) this.updates.push(update('Interface', [byUuid(uuid(existing.uuid))], changes));
        return uuid(existing.uuid);
      });
      const kept = wanted.flatMap((w) => (isUuid(w) ? [w[1]] : [])).sort();
      if (kept.length !== wanted.length || kept.join() !== current.join()) row.interfaces = set(wanted);
    }
    if (!isEmpty(row)) this.updates.push(update('Port', [byUuid(uuid(now.row.uuid))], row));
    if (now.owner !== spec.bridge) {
      this.refs(now.owner).drop.push(uuid(now.row.uuid));
      this.refs(spec.bridge).add.push(uuid(now.row.uuid));
    }
  }

  /** The bridge's own internal port, named like it, which `ovs-vsctl add-br` creates too. */
  private localPort(bridge: string): Atom {
    const port: PortSpec = { bridge, name: bridge };
    const ref = this.newName();
    this.inserts.push(insert('Port', portRow(port, set([this.insertInterface(port, { type: 'internal' })])), ref));
    return namedUuid(ref);
  }

  private insertInterface(port: PortSpec, spec: InterfaceSpec): Atom {
    const ref = this.newName();
    this.inserts.push(insert('Interface', interfaceRow(spec, spec.name ?? port.name), ref));
    return namedUuid(ref);
  }

  private planPortRemoval(name: string): void {
    const now = this.ports.get(name);
    if (now && !this.removedBridges.has(now.owner)) this.refs(now.owner).drop.push(uuid(now.row.uuid));
  }

  private bridgePortMutations(): Operation[] {
    return [...this.portRefs].flatMap(([bridge, { add, drop }]) => {
      const b = this.bridges.get(bridge);
      if (!b) return [];
      const mutations: Mutation[] = [];
      if (drop.length > 0) mutations.push(['ports', 'delete', set(drop)]);
      if (add.length > 0) mutations.push(['ports', 'insert', set(add)]);
      return mutations.length > 0 ? [mutate('Bridge', [byUuid(uuid(b.uuid))], mutations)] : [];
    });
  }

  private refs(bridge: string): { add: Atom[]; drop: Atom[] } {
    let r = this.portRefs.get(bridge);
    if (!r) {
      r = { add: [], drop: [] };
      this.portRefs.set(bridge, r);
    }
    return r;
  }

  private newName(): string {
    return `row${++this.names}`;
  }

  private validate(): void {
    const c = this.change;
    duplicates(
      'bridge',
      (c.bridges ?? []).map((b) => b.name),
    );
    duplicates(
      'port',
      (c.ports ?? []).map((p) => p.name),
    );
    const ensured = new Set((c.bridges ?? []).map((b) => b.name));
    for (const b of ensured) if (this.removedBridges.has(b)) throw invalidInput(`bridge ${b} is both ensured and removed`);
    const interfaceNames: string[] = [];
    for (const p of c.ports ?? []) {
      if (this.removedPorts.has(p.name)) throw invalidInput(`port ${p.name} is both ensured and removed`);
      if (this.removedBridges.has(p.bridge)) throw invalidInput(`port ${p.name} is on bridge ${p.bridge}, which is removed`);
      if (!ensured.has(p.bridge) && !this.bridges.has(p.bridge)) throw invalidInput(`no bridge named ${p.bridge}`);
      if (p.interfaces?.length === 0) throw invalidInput(`port ${p.name} needs at least one interface`);
      for (const i of p.interfaces ?? [{}]) {
        const name = i.name ?? p.name;
        interfaceNames.push(name);
        const owner = this.interfaces.get(name)?.owner;
        const ownerGoes = owner === undefined || owner === p.name || this.removedPorts.has(owner);
        const ownerBridge = owner === undefined ? undefined : this.ports.get(owner)?.owner;
        if (!ownerGoes && !(ownerBridge && this.removedBridges.has(ownerBridge)))
          throw invalidInput(`interface ${name} belongs to port ${owner}`);
      }
    }
    duplicates('interface', interfaceNames);
  }
}

function duplicates(what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw invalidInput(`${what} ${n} appears twice in one change`);
    seen.add(n);
  }
}
