/**
 * A live copy of the bridges, ports and interfaces, kept current by one monitor instead of being
 * read again before every change (an IDL, in OVS's words). `readSwitch` costs a round trip and
 * grows with the switch (about 50 ms at 1,000 ports here); the mirror's `state` costs nothing
 * but assembling cached rows, only after something changed.
 *
 * Consistency: ovsdb-server sends a session's monitor updates before its reply to a transaction,
 * so a mirror on the writer's own client has seen every effect of `transact` once it resolves.
 * Changes by other writers (ovs-vsctl, Nova) arrive as soon as they commit; a plan made before
 * one arrived loses the race at commit, and `applySwitchChange` then re-reads and retries.
 */
import type { OvsdbClient } from './client.js';
import type { Monitor, RowUpdate, TableUpdates } from './monitor.js';
import { INTERFACE_COLUMNS, type SwitchState, VSWITCH_DB, assembleSwitch } from './switch-state.js';
import { type Row, uuid } from './values.js';

const TABLES = {
  Open_vSwitch: ['bridges', 'next_cfg', 'cur_cfg', 'iface_types'],
  Bridge: ['name', 'ports', 'datapath_type', 'fail_mode', 'protocols', 'other_config', 'external_ids'],
  Port: ['name', 'interfaces', 'tag', 'external_ids', 'other_config'],
  Interface: INTERFACE_COLUMNS,
} as const;
type Table = keyof typeof TABLES;

export class SwitchMirror {
  private readonly rows = new Map<Table, Map<string, Row>>(Object.keys(TABLES).map((t) => [t as Table, new Map()]));
  private readonly listeners: ((updates: TableUpdates) => void)[] = [];
  private cached: SwitchState | undefined;
  private monitor!: Monitor;

  private constructor(readonly client: OvsdbClient) {}

  /** Equivalent: `ovsdb-client monitor unix:<db.sock> Open_vSwitch Bridge Port Interface …`, kept in memory. */
  static async start(client: OvsdbClient): Promise<SwitchMirror> {
    const mirror = new SwitchMirror(client);
    const early: TableUpdates[] = [];
    let loaded = false;
    const requests = Object.fromEntries(Object.entries(TABLES).map(([t, columns]) => [t, { columns }]));
    // Updates that follow the snapshot can be handed over before monitor() resolves: keep them
    // until the snapshot is in.
    mirror.monitor = await client.monitor(VSWITCH_DB, requests, {
      onUpdate: (u) => (loaded ? mirror.apply(u) : early.push(u)),
    });
    mirror.apply(mirror.monitor.initial);
    loaded = true;
    for (const u of early) mirror.apply(u);
    return mirror;
  }

  /** The switch as of the last update received. Do not use once `ended`: it no longer follows the database. */
  get state(): SwitchState {
    this.cached ??= assembleSwitch(
      [...this.table('Open_vSwitch').values()],
      [...this.table('Bridge').values()],
      [...this.table('Port').values()],
      [...this.table('Interface').values()],
    );
    return this.cached;
  }

  /** True once the monitor stopped (cancelled, or the connection was lost): reconnect and start a new mirror. */
  get ended(): boolean {
    return this.monitor.ended;
  }

  /** Called after each update is applied, e.g. to trigger a reconcile when a VIF appears. */
  onChange(listener: (updates: TableUpdates) => void): void {
    this.listeners.push(listener);
  }

  cancel(): Promise<void> {
    return this.monitor.cancel();
  }

  private apply(updates: TableUpdates): void {
    for (const table of Object.keys(TABLES) as Table[]) {
      const rows = this.table(table);
      for (const [id, change] of Object.entries<RowUpdate>(updates[table] ?? {})) {
        if (change.new) rows.set(id, { ...change.new, _uuid: uuid(id) });
        else rows.delete(id);
      }
    }
    this.cached = undefined;
    for (const listener of this.listeners) listener(updates);
  }

  private table(name: Table): Map<string, Row> {
    return this.rows.get(name)!;
  }
}
