/**
 * ovs-vsctl for the few one-off changes made outside the agent's reconcile loop (plugging a
 * VIF, as os-vif does). The agent itself talks OVSDB directly.
 */
import { run } from './exec.js';
import type { OvsEnvironment } from './ovs-ofctl.js';

function dbArgs(ovs: OvsEnvironment): string[] {
  return ovs.rundir ? [`--db=unix:${ovs.rundir}/db.sock`] : [];
}

/** Runs one ovs-vsctl transaction made of `--`-separated commands. */
export async function vsctl(
  ovs: OvsEnvironment,
  commands: readonly (readonly string[])[],
  options: { wait?: boolean } = {},
): Promise<string> {
  const argv = ['ovs-vsctl', ...dbArgs(ovs), '--timeout=10', ...(options.wait ? [] : ['--no-wait'])];
  for (const c of commands) argv.push('--', ...c);
  const { stdout } = await run(argv);
  return stdout;
}
