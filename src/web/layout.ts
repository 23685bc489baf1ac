/**
 * Places a scene. Containers arranged `layered` are laid out by ELK's layered algorithm
 * (elkjs, bundled: orthogonal wires, few crossings), which suits the article's pictures: a
 * project's external network over its router over its networks; a host's instances and
 * namespaces over br-int over br-tun and br-ex. Containers arranged `grid` (a network's many
 * ports, a host's many VIFs) are rows of equal cells computed here, so a thousand ports cost
 * ELK one box each, not a thousand.
 */
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import { type Box, HEADER, PAD, type Placement, type Point, type SceneNode, leafSize } from './scene.js';

let engine: ELK | null = null;

/** The ELK that lays out (the page's, ui/main.ts; Node's, testing/elk.ts). */
export function useElk(elk: ELK): void {
  engine = elk;
}

function elk(): ELK {
  if (!engine) throw new Error('no ELK: call useElk() first');
  return engine;
}

/** elkjs is CommonJS whose module is the constructor; type declarations and bundlers disagree on whether it arrives as the default import or as its `default`. */
export function elkConstructor<T>(imported: unknown): T {
  return ((imported as { default?: T }).default ?? imported) as T;
}

const GAP = 10;

interface GridResult {
  readonly width: number;
  readonly height: number;
  /** Children's boxes relative to the container. */
  readonly cells: Map<string, Box>;
}

/** Rows of cells as wide as the widest child, about twice as wide as high overall. */
function grid(node: SceneNode): GridResult {
  const kids = node.children ?? [];
  const sizes = kids.map((k) => leafSize(k));
  const cellW = Math.max(120, ...sizes.map((s) => s.width));
  const cellH = Math.max(24, ...sizes.map((s) => s.height));
  const titleW = node.title.length * 7.3 + 2 * PAD;
  const columns = Math.max(1, Math.min(kids.length, Math.ceil(Math.sqrt((kids.length * cellH * 2.2) / cellW))));
  const cells = new Map<string, Box>();
  kids.forEach((k, i) => {
    const col = i % columns;
    const row = Math.floor(i / columns);
    cells.set(k.id, { x: PAD + col * (cellW + GAP), y: HEADER + row * (cellH + GAP), width: cellW, height: cellH });
  });
  const rows = Math.ceil(kids.length / columns);
  return {
    width: Math.max(titleW, PAD * 2 + columns * cellW + (columns - 1) * GAP),
    height: HEADER + Math.max(0, rows * cellH + (rows - 1) * GAP) + PAD,
    cells,
  };
}

function toElk(node: SceneNode, grids: Map<string, Map<string, Box>>): ElkNode {
  if (!node.children || node.children.length === 0) return { id: node.id, ...leafSize(node) };
  if (node.arrange === 'grid') {
    // A grid's children are leaves: it is one box to ELK.
    const g = grid(node);
    grids.set(node.id, g.cells);
    return { id: node.id, width: g.width, height: g.height };
  }
  const direction = node.arrange === 'layered-right' ? 'RIGHT' : 'DOWN';
  const edges: ElkExtendedEdge[] = (node.edges ?? []).map((e) => ({
    id: e.id,
    sources: [e.source],
    targets: [e.target],
    ...(e.label ? { labels: [{ text: e.label, width: e.label.length * 7.3, height: 14 }] } : {}),
  }));
  return {
    id: node.id,
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': direction,
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.padding': `[top=${HEADER + 4},left=${PAD + 4},bottom=${PAD + 4},right=${PAD + 4}]`,
      'elk.spacing.nodeNode': '24',
      'elk.layered.spacing.nodeNodeBetweenLayers': '40',
      'elk.layered.spacing.edgeNodeBetweenLayers': '16',
      'elk.edgeLabels.inline': 'false',
      'elk.nodeLabels.placement': 'OUTSIDE',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children: node.children.map((c) => toElk(c, grids)),
    edges,
  };
}

/**
 * Runs ELK once on a small layered graph: its first layout costs a fixed warm-up (hundreds of
 * milliseconds on a busy machine, whatever the size), which the page pays while its lists load.
 */
export async function warmUp(): Promise<void> {
  await elk().layout({
    id: 'warm-up',
    layoutOptions: { 'elk.algorithm': 'layered', 'elk.edgeRouting': 'ORTHOGONAL' },
    children: [
      { id: 'a', width: 40, height: 20 },
      { id: 'b', width: 40, height: 20 },
      { id: 'c', width: 40, height: 20 },
    ],
    edges: [
      { id: 'ab', sources: ['a'], targets: ['b'], labels: [{ text: 'x', width: 7, height: 14 }] },
      { id: 'ac', sources: ['a'], targets: ['c'] },
    ],
  });
}

/**
 * Lays out a scene. `root` is not drawn as a box; its children are packed in rows (projects
 * side by side) unless it is itself layered (hosts joined by their tunnels).
 */
export async function layout(root: SceneNode): Promise<Placement> {
  const grids = new Map<string, Map<string, Box>>();
  const graph = toElk(root, grids);
  if (!root.arrange) {
    graph.layoutOptions = {
      'elk.algorithm': 'rectpacking',
      'elk.spacing.nodeNode': '24',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    };
  } else {
    graph.layoutOptions = { ...graph.layoutOptions, 'elk.padding': '[top=12,left=12,bottom=12,right=12]' };
  }
  const placed = await elk().layout(graph);
  const boxes = new Map<string, Box>();
  const wires = new Map<string, Point[]>();
  const visit = (n: ElkNode, ox: number, oy: number) => {
    const x = ox + (n.x ?? 0);
    const y = oy + (n.y ?? 0);
    boxes.set(n.id, { x, y, width: n.width ?? 0, height: n.height ?? 0 });
    const cells = grids.get(n.id);
    if (cells) for (const [id, c] of cells) boxes.set(id, { x: x + c.x, y: y + c.y, width: c.width, height: c.height });
    for (const e of n.edges ?? []) {
      const s = (e as ElkExtendedEdge).sections?.[0];
      if (!s) continue;
      wires.set(
        e.id,
        [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: x + p.x, y: y + p.y })),
      );
    }
    for (const c of n.children ?? []) visit(c, x, y);
  };
  visit(placed, 0, 0);
  boxes.delete(root.id);
  return { boxes, wires, width: placed.width ?? 0, height: placed.height ?? 0 };
}
