/**
 * Reads what `ovs-appctl ofproto/trace BRIDGE FLOW` prints: for every bridge the packet crosses
 * (patch ports lead from one to the next) the tables it visited, the flow that matched in each
 * with its cookie, the actions that flow ran and OVS's own notes (`-> forwarding to learned
 * port`), then the datapath actions, which say where the packet really goes.
 *
 *   bridge("br-tun")
 *   ----------------
 *    0. in_port=1, priority 1, cookie 0x515500a0e890f17a
 *       resubmit(,2)
 *   20. dl_vlan=2,dl_dst=fa:16:3e:0c:33:2f, priority 2, cookie 0x5155026c893c94c6
 *       pop_vlan
 *       output:2
 *        -> output to native tunnel
 *   …
 *   Datapath actions: tnl_push(…),3
 */

/** One table lookup: the flow that matched (match null: none did) and what it did. */
export interface TraceStep {
  readonly bridge: string;
  readonly table: number;
  /** The matched flow's match fields as ofproto/trace prints them ('' for a catch-all); null: no flow matched. */
  readonly match: string | null;
  readonly priority: number | null;
  readonly cookie: bigint | null;
  readonly actions: readonly string[];
  /** OVS's remarks, without the arrows (`forwarding to learned port`, `tunneling to 198.18.1.11 via br-phy`). */
  readonly notes: readonly string[];
}

export interface OfprotoTrace {
  readonly flow: string;
  readonly steps: readonly TraceStep[];
  /** The bridges crossed, in order. */
  readonly bridges: readonly string[];
  /** The `Datapath actions:` line (`drop` when the packet goes nowhere). */
  readonly datapathActions: string;
}

const STEP = /^\s*(\d+)\.\s+(.*)$/;

function parseHead(rest: string): Pick<TraceStep, 'match' | 'priority' | 'cookie'> {
  if (/^No match/i.test(rest)) return { match: null, priority: null, cookie: null };
  const cookie = /(?:^|, )cookie (0x[0-9a-f]+)/.exec(rest)?.[1];
  const priority = /(?:^|, )priority (\d+)/.exec(rest);
  const match = priority ? rest.slice(0, priority.index).replace(/,\s*$/, '') : rest;
  return { match, priority: priority ? Number(priority[1]) : null, cookie: cookie ? BigInt(cookie) : null };
}

export function parseOfprotoTrace(text: string): OfprotoTrace {
  const steps: { -readonly [K in keyof TraceStep]: TraceStep[K] }[] = [];
  const bridges: string[] = [];
  let bridge = '';
  let flow = '';
  let datapathActions = 'drop';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const b = /^bridge\("([^"]+)"\)$/.exec(line);
    if (b) {
      bridge = b[1]!;
      bridges.push(bridge);
      continue;
    }
    if (line.startsWith('Flow: ')) {
      flow = line.slice(6);
      continue;
    }
    if (line.startsWith('Datapath actions: ')) {
      datapathActions = line.slice('Datapath actions: '.length).trim();
      continue;
    }
    if (!bridge || /^-+$/.test(line) || line === '') continue;
    if (/^(Final flow|Megaflow|Translation|Resuming|Trace|Recirculation)/.test(line)) {
      bridge = line.startsWith('Resuming') ? bridge : '';
      continue;
    }
    const step = STEP.exec(line);
    if (step && /^\s{0,3}\d/.test(line)) {
      steps.push({ bridge, table: Number(step[1]), ...parseHead(step[2]!), actions: [], notes: [] });
      continue;
    }
    const last = steps[steps.length - 1];
    if (!last) continue;
    const note = /^\s*(?:->|>>)\s*(.*)$/.exec(line);
    if (note) last.notes = [...last.notes, note[1]!];
    else last.actions = [...last.actions, line.trim()];
  }
  return { flow, steps, bridges, datapathActions };
}
