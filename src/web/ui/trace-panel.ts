/** The trace's text: its hops in order with what happened at each, and the verdict, as a list. */
import type { TraceHop, TraceResult } from '../../model/trace.js';
import { evidenceText } from '../evidence.js';
import { esc } from '../html.js';

/** A hop's evidence as a list; open for the hop that dropped the packet. */
export function evidenceHtml(hop: TraceHop, open: boolean): string {
  if (hop.evidence.length === 0) return '';
  const items = hop.evidence.map((e) => `<li><code>${esc(evidenceText(e))}</code><br>${esc(e.says)}</li>`).join('');
  return `<details${open ? ' open' : ''}><summary>evidence (${hop.evidence.length})</summary><ul class="evidence">${items}</ul></details>`;
}

const VERDICT: Readonly<Record<string, string>> = {
  delivered: 'DELIVERED',
  left: 'LEFT THE CLOUD',
  dropped: 'DROPPED',
  unreachable: 'UNREACHABLE',
  misdelivered: 'NOT DELIVERED',
};

export function traceHtml(t: TraceResult): string {
  const hops = t.hops
    .map(
      (h) =>
        `<li class="${h.result === 'drop' ? 'drop' : ''}">${esc(h.host)} <strong>${esc(h.where)}</strong> ${h.result === 'drop' ? '✗' : '✓'} ${esc(h.says)}${evidenceHtml(h, h.result === 'drop')}</li>`,
    )
    .join('');
  return `<p>trace ${esc(t.packet.protocol)}${t.packet.dport !== null ? `/${t.packet.dport}` : ''} from ${esc(t.from.label)} to ${esc(t.to.label)} (${t.ms} ms)</p><ol>${hops}</ol><p class="verdict ${esc(t.verdict.result)}" id="trace-verdict">verdict: ${esc(VERDICT[t.verdict.result] ?? t.verdict.result)} — ${esc(t.verdict.says)}</p>`;
}
