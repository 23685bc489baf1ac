/**
 * What a fast `ping -D -i 0.01 -c N` lost, read from its output: the replies it printed (by
 * icmp_seq, with `-D` timestamps) against the requests it sent. A failover shows as one run of
 * missing sequence numbers; the time between the replies around it is how long traffic
 * stopped (ping's interval stretches on a busy machine, so the time, not the count, says it).
 */
export interface PingLoss {
  readonly sent: number;
  readonly received: number;
  /** The longest run of requests without a reply, in a row. */
  readonly longestGap: number;
  /** Milliseconds between the two replies around the longest silence (`-D` timestamps); 0 without them. */
  readonly longestGapMs: number;
}

export function pingLoss(stdout: string): PingLoss {
  const sent = Number(/(\d+) packets transmitted/.exec(stdout)?.[1] ?? 0);
  const replies = new Map<number, number | null>();
  for (const m of stdout.matchAll(/^(?:\[(\d+\.\d+)\] )?\d+ bytes from [^:]+: icmp_seq=(\d+)/gm)) {
    replies.set(Number(m[2]), m[1] === undefined ? null : Number(m[1]) * 1000);
  }
  let longestGap = 0;
  let run = 0;
  for (let seq = 1; seq <= sent; seq++) {
    run = replies.has(seq) ? 0 : run + 1;
    longestGap = Math.max(longestGap, run);
  }
  const times = [...replies.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, t]) => t)
    .filter((t): t is number => t !== null);
  let longestGapMs = 0;
  for (let i = 1; i < times.length; i++) longestGapMs = Math.max(longestGapMs, times[i]! - times[i - 1]!);
  return { sent, received: replies.size, longestGap, longestGapMs: Math.round(longestGapMs) };
}
