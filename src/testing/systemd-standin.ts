/**
 * `systemctl` and `journalctl` (standin/systemctl, standin/journalctl: bash) for the namespace machines of machines.ts, which have no systemd.
 * The stand-in reads the real unit files the package installed (ExecStart, Environment,
 * EnvironmentFile, User, StateDirectory, ConditionPathExists, KillMode), so a host test of
 * docs/deploy.md exercises the units as shipped, and it starts the process the unit names,
 * detached, its output in /var/log/standin/<unit>.log. Two units are started the way their
 * Debian packages' scripts would but cannot here: openvswitch-switch (Debian's ovs-ctl loads the
 * openvswitch kernel module first and fails without it; here ovsdb-server and ovs-vswitchd run
 * with their default paths, as in the lab) and postgresql (pg_ctlcluster for every cluster).
 */

import { readFileSync } from 'node:fs';
import type { Machine } from './machines.js';

/** The scripts live in src/testing/standin; tests run from dist/testing. */
const script = (name: string) => readFileSync(new URL(`../../src/testing/standin/${name}`, import.meta.url), 'utf8');

/** Installs the stand-ins as /usr/local/sbin/systemctl and /usr/local/bin/journalctl, ahead of the real ones on PATH. */
export async function installStandins(machine: Machine): Promise<void> {
  for (const [name, dir] of [
    ['systemctl', '/usr/local/sbin'],
    ['journalctl', '/usr/local/bin'],
  ] as const) {
    const r = await machine.sh(`mkdir -p ${dir} && cat > ${dir}/${name} && chmod 0755 ${dir}/${name}`, { input: script(name) });
    if (r.status !== 0) throw new Error(`cannot install the ${name} stand-in on ${machine.name}: ${r.stderr}`);
  }
}
