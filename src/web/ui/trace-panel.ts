/**
 * The trace's text: its hops in order with what happened at each, and the verdict, as a list;
 * then its reply the same way, and the hosts that could not be read live.
 */
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

function hopsHtml(hops: readonly TraceHop[]): string {
  return hops
    .map((h) => {
      const classes = [h.result === 'drop' ? 'drop' : '', h.intent ? 'intent' : ''].filter(Boolean).join(' ');
      const live = h.intent ? ' <em>(not read live: from the intent)</em>' : '';
      return `<li${classes ? ` class="${classes}"` : ''}>${esc(h.host)} <strong>${esc(h.where)}</strong> ${h.result === 'drop' ? '✗' : '✓'} ${esc(h.says)}${live}${evidenceHtml(h, h.result === 'drop')}</li>`;
    })
    .join('');
}

function verdictHtml(id: string, label: string, v: TraceResult['verdict']): string {
  const assumes = v.assumes ? `<br><em>assuming ${esc(v.assumes.says)}</em>` : '';
  return `<p class="verdict ${esc(v.result)}" id="${id}">${label}: ${esc(VERDICT[v.result] ?? v.result)} — ${esc(v.says)}${assumes}</p>`;
}

export function traceHtml(t: TraceResult): string {
  const head = `<p>trace ${esc(t.packet.protocol)}${t.packet.dport !== null ? `/${t.packet.dport}` : ''} from ${esc(t.from.label)} to ${esc(t.to.label)} (${t.ms} ms)</p>`;
  const forward = `<ol>${hopsHtml(t.hops)}</ol>${verdictHtml('trace-verdict', 'verdict', t.verdict)}`;
  const reply = t.reply
    ? `<p>its reply, from ${esc(t.reply.packet.src)} to ${esc(t.reply.packet.dst)}:</p><ol>${hopsHtml(t.reply.hops)}</ol>${verdictHtml('trace-reply-verdict', 'reply', t.reply.verdict)}`
    : '';
  const notLive = (t.notLive ?? []).length
    ? `<p class="not-live" role="note">not read live: ${esc((t.notLive ?? []).join(', '))} (no agent to ask; those hops follow the server's intent)</p>`
    : '';
  return `${head}${forward}${reply}${notLive}`;
}
