/**
 * Waiting for ovs-vswitchd to apply the database, as ovs-vsctl does unless given `--no-wait`: a
 * writer raises `Open_vSwitch.next_cfg` in its transaction, and ovs-vswitchd copies the value to
 * `cur_cfg` once it has reconfigured (bridges and ports exist in the datapath, ofports assigned).
 * The wait watches `cur_cfg` with a monitor, so it returns the moment ovs-vswitchd is done.
 */
import { QuarkError } from '../../../model/errors.js';
import type { OvsdbClient } from './client.js';
import type { TableUpdates } from './monitor.js';
import { VSWITCH_DB } from './switch-state.js';
import { integerOf } from './values.js';

/**
 * Equivalent: the wait at the end of every `ovs-vsctl` call without `--no-wait`.
 * Resolves when `cur_cfg >= target`. Rejects with HostCommandFailed after `timeoutMs` (ovs-vsctl
 * waits forever; an agent should not), e.g. when ovs-vswitchd is not running.
 */
export async function waitForCurCfg(client: OvsdbClient, target: number, timeoutMs: number): Promise<void> {
  const monitor = await client.monitor(VSWITCH_DB, { Open_vSwitch: { columns: ['cur_cfg'] } });
  let curCfg = 0;
  const reached = (updates: TableUpdates): boolean => {
    for (const row of Object.values(updates.Open_vSwitch ?? {})) if (row.new) curCfg = integerOf(row.new.cur_cfg);
    return curCfg >= target;
  };
  if (reached(monitor.initial)) {
    await monitor.cancel();
    return;
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void monitor.cancel().catch(() => undefined);
  }, timeoutMs);
  try {
    for await (const updates of monitor) if (reached(updates)) return;
  } finally {
    clearTimeout(timer);
  }
  throw new QuarkError(
    'HostCommandFailed',
    timedOut
      ? `ovs-vswitchd did not apply configuration ${target} within ${timeoutMs} ms (cur_cfg is ${curCfg}); is it running?`
      : `stopped waiting for ovs-vswitchd to apply configuration ${target}`,
    { detail: `wait until Open_vSwitch.cur_cfg >= ${target} on ${client.path}` },
  );
}
