/**
 * Bandwidth limits on the hybrid plug's kernel devices through `tc` (docs/qos.md): a root token
 * bucket filter per limited device, marked as Quark's by its handle. One `tc -json qdisc show`
 * reads every device; one `tc -batch` applies the difference:
 *
 *   tc qdisc replace dev qvb3c9b4a1e-2f root handle 5155: tbf rate 20000kbit burst 250000 latency 50ms
 *   tc qdisc del dev tap3c9b4a1e-2f root handle 5155:
 *
 * A device that is gone has no qdisc to remove; one the agent never shaped is never touched.
 */
import type { BandwidthLimitItem } from '../compile/plan.js';
import { run } from './exec.js';

/** Quark's qdisc handle, "QU" (the cookie signature of its flows). */
export const QUARK_QDISC_HANDLE = '5155:';

/** Neutron's tc_lib latency for a token bucket filter. */
const LATENCY = '50ms';

/** A root token bucket filter the agent put on a device, as tc reports it. */
export interface ObservedLimit {
  readonly device: string;
  /** Kilobits per second. */
  readonly rateKbps: number;
  /** Kilobits. */
  readonly burstKbits: number;
}

interface TcQdisc {
  readonly kind: string;
  readonly handle: string;
  readonly dev: string;
  readonly root?: boolean;
  readonly options?: { readonly rate?: number; readonly burst?: number };
}

/** Every device's root qdisc that is Quark's (`tc -json qdisc show`: rate in bytes/s, burst in bytes). */
export async function observeBandwidthLimits(): Promise<Map<string, ObservedLimit>> {
  const { stdout } = await run(['tc', '-json', 'qdisc', 'show']);
  const out = new Map<string, ObservedLimit>();
  for (const q of JSON.parse(stdout || '[]') as TcQdisc[]) {
    if (!q.root || q.handle !== QUARK_QDISC_HANDLE || q.kind !== 'tbf') continue;
    out.set(q.dev, {
      device: q.dev,
      rateKbps: Math.round(((q.options?.rate ?? 0) * 8) / 1000),
      burstKbits: Math.round(((q.options?.burst ?? 0) * 8) / 1000),
    });
  }
  return out;
}

/** Whether the device has the limit the plan asks for (tc rounds the bucket to bytes). */
export function sameLimit(observed: ObservedLimit | undefined, wanted: BandwidthLimitItem): boolean {
  return observed !== undefined && observed.rateKbps === wanted.maxKbps && Math.abs(observed.burstKbits - wanted.burstKbits) <= 1;
}

/**
 * Puts the limits on their devices and removes Quark's filter from `remove`, in one batch;
 * `-force` goes on after a line that fails (a device unplugged meanwhile), and the next full
 * pass sees what stuck.
 */
export async function applyBandwidthLimits(set: readonly BandwidthLimitItem[], remove: readonly string[]): Promise<void> {
  const lines = [
    ...set.map(
      (l) =>
        // The bucket in bytes: as a size, tc reads `kbit` as 1,024 bits (a rate's `kbit` is 1,000 bits/s).
        `qdisc replace dev ${l.device} root handle ${QUARK_QDISC_HANDLE} tbf rate ${l.maxKbps}kbit burst ${l.burstKbits * 125} latency ${LATENCY}`,
    ),
    ...remove.map((d) => `qdisc del dev ${d} root handle ${QUARK_QDISC_HANDLE}`),
  ];
  if (lines.length === 0) return;
  await run(['tc', '-force', '-batch', '-'], { input: `${lines.join('\n')}\n` });
}
