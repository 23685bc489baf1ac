/**
 * Applies a batch of bridge and port changes in one OVSDB transaction: read what is there, plan
 * the difference, commit. Another writer can slip in between the read and the commit; when that
 * makes the commit fail (it created a bridge or port of the same name: `constraint violation`; it
 * removed a row the plan refers to: `referential integrity violation`), nothing was applied and
 * the whole read–plan–commit runs again, as ovs-vsctl retries on TRY_AGAIN.
 */
import type { OvsdbClient } from './client.js';
import { ovsdbErrorOf } from './errors.js';
import { select } from './operations.js';
import { type SwitchChange, planSwitchChange } from './switch-change.js';
import type { SwitchMirror } from './switch-mirror.js';
import { VSWITCH_DB, readSwitch } from './switch-state.js';
import { waitForCurCfg } from './vswitchd-sync.js';
import { integerOf, optionalIntegerOf, optionalStringOf, stringOf } from './values.js';

export interface ApplyOptions {
  /**
   * Wait until ovs-vswitchd has applied the change (ovs-vsctl's default; `false` is `--no-wait`).
   * `'later'` raises `next_cfg` and returns it without waiting, for a caller with other work to
   * do first that then waits with `waitForCurCfg`.
   */
  readonly waitForVswitchd?: boolean | 'later';
  /** How long to wait for ovs-vswitchd; 10 s by default. */
  readonly timeoutMs?: number;
  /** How many times to re-plan after losing a race with another writer; 5 by default. */
  readonly retries?: number;
  /**
   * Plan from this mirror (on the same client) instead of reading the switch first: saves a
   * round trip that grows with the switch. Retries after a lost race read afresh.
   */
  readonly mirror?: SwitchMirror;
}

export interface InterfaceProblem {
  readonly name: string;
  readonly error: string;
}

export interface ApplyResult {
  /** False when the database already matched: nothing was sent. */
  readonly changed: boolean;
  /** `next_cfg` of the transaction, when waited for (now or later). */
  readonly nextCfg: number | undefined;
  /**
   * Interfaces of this change that ovs-vswitchd could not create (its `error` column, ofport -1),
   * known only after a wait (always empty with `'later'`). ovs-vsctl prints these as "Error
   * detected while setting up …".
   */
  readonly interfaceProblems: readonly InterfaceProblem[];
  /** Transactions sent: more than one when another writer won a race and the change was re-planned. */
  readonly attempts: number;
}

const RACES = new Set(['constraint violation', 'referential integrity violation']);

/**
 * Equivalent (one ovs-vsctl call, one transaction):
 * `ovs-vsctl [--no-wait] -- --may-exist add-br br-int -- set Bridge br-int datapath_type=netdev
 * fail_mode=secure protocols=OpenFlow13 -- --may-exist add-port br-int qvo1 tag=1 -- set Interface
 * qvo1 external_ids:iface-id=… -- --if-exists del-port qvo2 -- --if-exists del-br br-old`.
 */
export async function applySwitchChange(
  client: OvsdbClient,
  change: SwitchChange,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const wait = options.waitForVswitchd ?? false;
  const bump = wait !== false;
  for (let attempt = 0; ; attempt++) {
    const mirror = attempt === 0 && options.mirror && !options.mirror.ended ? options.mirror : undefined;
    const state = mirror ? mirror.state : await readSwitch(client);
    const { ops, nextCfgIndex } = planSwitchChange(state, change, bump);
    if (ops.length === 0) return { changed: false, nextCfg: undefined, interfaceProblems: [], attempts: attempt };
    let results: readonly unknown[];
    try {
      results = await client.transact(VSWITCH_DB, ops);
    } catch (e) {
      const race = ovsdbErrorOf(e);
      if (race && RACES.has(race.error) && attempt < (options.retries ?? 5)) continue;
      throw e;
    }
    if (nextCfgIndex === undefined) return { changed: true, nextCfg: undefined, interfaceProblems: [], attempts: attempt + 1 };
    const nextCfg = integerOf((results[nextCfgIndex] as { rows: { next_cfg: number }[] }).rows[0]?.next_cfg);
    if (wait === 'later') return { changed: true, nextCfg, interfaceProblems: [], attempts: attempt + 1 };
    await waitForCurCfg(client, nextCfg, options.timeoutMs ?? 10_000);
    return { changed: true, nextCfg, interfaceProblems: await interfaceProblems(client, change), attempts: attempt + 1 };
  }
}

async function interfaceProblems(client: OvsdbClient, change: SwitchChange): Promise<InterfaceProblem[]> {
  const names = new Set((change.ports ?? []).flatMap((p) => (p.interfaces ?? [{}]).map((i) => i.name ?? p.name)));
  if (names.size === 0) return [];
  const [result] = await client.transact(VSWITCH_DB, [select('Interface', [], ['name', 'error', 'ofport'])] as const);
  return result.rows.flatMap((r) => {
    const name = stringOf(r.name);
    const error = optionalStringOf(r.error) ?? (optionalIntegerOf(r.ofport) === -1 ? 'ofport is -1' : undefined);
    return names.has(name) && error ? [{ name, error }] : [];
  });
}
