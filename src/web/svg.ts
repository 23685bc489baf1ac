/**
 * Draws a placed scene as SVG text. Every element is a focusable group with its text
 * alternative (aria-label and a <title> tooltip); wires are described too. The view's script
 * gives one element tabindex 0 and moves focus with the arrow keys (ui/keyboard.ts).
 */
import { esc } from './html.js';
import { HEADER, LINE_HEIGHT, PAD, type Placement, type Point, type SceneEdge, type SceneNode, walk } from './scene.js';

/** What is drawn over the picture: the selection and a trace's path. */
export interface Marks {
  readonly selected: string | null;
  /** Elements on a trace's path: their hop numbers, and whether the packet was dropped there. */
  readonly path: ReadonlyMap<string, { readonly steps: readonly number[]; readonly drop: boolean; readonly says: string }>;
  /** Wires the traced packet went along. */
  readonly wires: ReadonlySet<string>;
}

export const NO_MARKS: Marks = { selected: null, path: new Map(), wires: new Set() };

function allEdges(root: SceneNode): SceneEdge[] {
  const out: SceneEdge[] = [];
  for (const n of walk(root)) out.push(...(n.edges ?? []));
  return out;
}

/** Where a wire's label goes: the middle of its longest segment. */
function labelAt(points: readonly Point[]): Point {
  let best = { a: points[0]!, b: points[points.length - 1]!, len: -1 };
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const len = Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
    if (len > best.len) best = { a, b, len };
  }
  return { x: (best.a.x + best.b.x) / 2, y: (best.a.y + best.b.y) / 2 };
}

function nodeSvg(n: SceneNode, placement: Placement, marks: Marks, container: boolean): string {
  const box = placement.boxes.get(n.id);
  if (!box) return '';
  const on = marks.path.get(n.id);
  const classes = ['el', `k-${n.kind}`, `t-${n.tone}`, container ? 'container' : 'leaf'];
  if (marks.selected === n.id) classes.push('selected');
  if (on) classes.push(on.drop ? 'drop' : 'on-path');
  const suffix = on ? `; trace hop ${on.steps.join(', ')}: ${on.says}` : '';
  const label = `${n.label}${n.badge && !n.label.includes(n.badge) ? ` (${n.badge})` : ''}${suffix}`;
  const parts = [
    `<g class="${classes.join(' ')}" data-id="${esc(n.id)}" data-key="el ${esc(n.id)}" tabindex="-1" role="button" aria-label="${esc(label)}">`,
    `<title>${esc(label)}</title>`,
    `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="${container ? 8 : 5}"/>`,
    `<text class="title" x="${box.x + PAD}" y="${box.y + (container ? HEADER - 9 : PAD + 12)}">${esc(n.title)}</text>`,
  ];
  if (!container)
    n.lines.forEach((line, i) => {
      parts.push(`<text x="${box.x + PAD}" y="${box.y + PAD + 12 + LINE_HEIGHT * (i + 1)}">${esc(line)}</text>`);
    });
  if (n.badge) {
    const w = n.badge.length * 7.3 + 10;
    parts.push(
      `<g class="badge b-${esc(n.badge.split(' ')[0]!.toLowerCase())}" aria-hidden="true"><rect x="${box.x + box.width - w - 4}" y="${box.y + 4}" width="${w}" height="16" rx="3"/><text x="${box.x + box.width - w + 1}" y="${box.y + 16}">${esc(n.badge)}</text></g>`,
    );
  }
  if (on) {
    const text = on.steps.join(',');
    const r = 9 + (text.length > 2 ? text.length * 2 : 0);
    parts.push(
      `<g class="step" aria-hidden="true"><circle cx="${box.x}" cy="${box.y}" r="${r}"/><text x="${box.x}" y="${box.y + 4}" text-anchor="middle">${esc(text)}</text></g>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

function wireSvg(e: SceneEdge, placement: Placement, marks: Marks): string {
  const points = placement.wires.get(e.id);
  if (!points || points.length < 2) return '';
  const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
  const on = marks.wires.has(e.id);
  const at = labelAt(points);
  const label = e.label ? `<text class="wire-label" x="${at.x + 4}" y="${at.y - 4}">${esc(e.label)}</text>` : '';
  return `<g class="wire w-${e.kind}${on ? ' on-path' : ''}" data-key="wire ${esc(e.id)}" role="img" aria-label="${esc(e.description)}"><title>${esc(e.description)}</title><path d="${d}"/>${label}</g>`;
}

/** A drawing in pieces: each element and wire by key, so a redraw on the same layout replaces only what changed. */
export interface SceneDrawing {
  readonly open: string;
  readonly items: readonly { readonly key: string; readonly markup: string }[];
  readonly close: string;
}

/** The SVG of a placed scene, in pieces; `name` is the picture's own text alternative. */
export function sceneDrawing(root: SceneNode, placement: Placement, marks: Marks, name: string): SceneDrawing {
  const nodes = [...walk(root)].filter((n) => n.id !== root.id);
  const containers = nodes.filter((n) => (n.children?.length ?? 0) > 0);
  const leaves = nodes.filter((n) => (n.children?.length ?? 0) === 0);
  const w = Math.ceil(placement.width);
  const h = Math.ceil(placement.height);
  return {
    open: `<svg xmlns="http://www.w3.org/2000/svg" class="scene" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="group" aria-label="${esc(name)}">`,
    items: [
      ...containers.map((n) => ({ key: `el ${n.id}`, markup: nodeSvg(n, placement, marks, true) })),
      ...allEdges(root).map((e) => ({ key: `wire ${e.id}`, markup: wireSvg(e, placement, marks) })),
      ...leaves.map((n) => ({ key: `el ${n.id}`, markup: nodeSvg(n, placement, marks, false) })),
    ],
    close: '</svg>',
  };
}

/** The SVG of a placed scene as one text. */
export function sceneSvg(root: SceneNode, placement: Placement, marks: Marks, name: string): string {
  const d = sceneDrawing(root, placement, marks, name);
  return `${d.open}${d.items.map((i) => i.markup).join('')}${d.close}`;
}
