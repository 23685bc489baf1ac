/**
 * Whether a trace agrees with what real traffic did, for lab tests: the trace's prediction is
 * "allowed" when the packet arrives, its reply too (when traced), and the route the verdict
 * assumes outside the cloud is one the lab's internet host really has.
 */
import type { TraceResult } from '../../model/trace.js';
import type { Lab } from '../lab.js';
import { internetRoute } from '../status.js';

export interface Prediction {
  readonly result: 'allowed' | 'blocked';
  /** Why, in a line: the verdicts, and the assumption when it decides. */
  readonly why: string;
}

export async function predicted(lab: Lab, t: TraceResult): Promise<Prediction> {
  const arrived = (r: string) => r === 'delivered' || r === 'left';
  const reply = t.reply ? `; ${t.reply.verdict.result}: ${t.reply.verdict.says}` : '';
  const why = `${t.verdict.result}: ${t.verdict.says}${reply}`;
  if (!arrived(t.verdict.result) || (t.reply && !arrived(t.reply.verdict.result))) return { result: 'blocked', why };
  const assumed = t.verdict.assumes;
  if (assumed) {
    const via = await internetRoute(lab, t.to.ip);
    if (via !== assumed.via)
      return { result: 'blocked', why: `${why}; but the internet host routes it ${via ?? 'nowhere'}, not via ${assumed.via}` };
  }
  return { result: 'allowed', why };
}
