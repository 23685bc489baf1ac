/**
 * Which version of a host tool is installed, and which kernel modules the kernel can load, for
 * the preflight of `quark host check`.
 *
 *   dnsmasq --version; iptables --version; conntrack --version; …
 *   modinfo -n ip_gre
 */
import { run } from './exec.js';

/** The first line the tool prints for `argv` (its version), or null when it is not installed. */
export async function toolVersion(argv: readonly string[]): Promise<string | null> {
  try {
    const r = await run(argv, { timeoutMs: 5_000, okStatuses: [1, 2] });
    const line = `${r.stdout}\n${r.stderr}`.split('\n').find((l) => l.trim() !== '');
    return line?.trim() ?? null;
  } catch {
    return null;
  }
}

/** `modinfo -n NAME`: the file of a kernel module this kernel can load, or null (none, or built in). */
export async function kernelModuleFile(name: string): Promise<string | null> {
  try {
    const r = await run(['modinfo', '-n', name], { timeoutMs: 5_000 });
    return r.stdout.trim() || null;
  } catch {
    return null;
  }
}
