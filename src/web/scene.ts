/**
 * What the web view draws, as data: boxes (projects, networks, ports, routers; hosts, bridges,
 * VIF chains, namespaces, tunnels) nested in boxes, and the wires between them. The logical
 * and physical views build a scene from the API's records and the agents' readings; layout.ts
 * places it and svg.ts draws it. Pure: no DOM, so it is tested in Node.
 */

export type ElementKind =
  | 'project'
  | 'external'
  | 'network'
  | 'router'
  | 'port'
  | 'host'
  | 'group'
  | 'bridge'
  | 'vif'
  | 'namespace'
  | 'tunnel'
  | 'nic';

/** How an element looks: a port's status, an agent's liveness, a host item's state against the plan. */
export type Tone = 'up' | 'down' | 'drift' | 'missing' | 'dead' | 'plain';

export interface SceneNode {
  /** Unique in the scene; `port:<id>`, `host:compute`, `compute/br-int`… */
  readonly id: string;
  readonly kind: ElementKind;
  readonly title: string;
  readonly lines: readonly string[];
  /** The text alternative: what a screen reader announces and the tooltip shows. */
  readonly label: string;
  /** The API objects it stands for, keyed as `kind:id` (`port:3c9b…`, `host:compute`). */
  readonly refs: readonly string[];
  readonly tone: Tone;
  /** A short mark in its corner (`ACTIVE`, `DRIFT 2`). */
  readonly badge?: string;
  readonly children?: readonly SceneNode[];
  /**
   * How children are placed: `layered` (ELK, with `edges`, top to bottom or left to right) or
   * `grid` (rows of equal cells: the many ports of a network, the many VIFs of a host).
   */
  readonly arrange?: 'layered-down' | 'layered-right' | 'grid';
  readonly edges?: readonly SceneEdge[];
  /** A leaf's minimum width (bridges are drawn wide, as in the article). */
  readonly minWidth?: number;
}

export interface SceneEdge {
  readonly id: string;
  /** Ids of two children of the same container. */
  readonly source: string;
  readonly target: string;
  readonly label?: string;
  readonly kind: 'interface' | 'gateway' | 'patch' | 'tunnel' | 'wire';
  /** The text alternative of the wire. */
  readonly description: string;
}

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Where layout put everything, in the root's coordinates. */
export interface Placement {
  readonly boxes: ReadonlyMap<string, Box>;
  readonly wires: ReadonlyMap<string, readonly Point[]>;
  readonly width: number;
  readonly height: number;
}

/** Text metrics of the drawing's font (12 px monospace), so layout needs no DOM to measure. */
export const CHAR_WIDTH = 7.3;
export const LINE_HEIGHT = 16;
export const PAD = 8;
/** The band at the top of a container where its title goes. */
export const HEADER = 26;

/** Characters kept free beside a title for its badge (`ACTIVE`, `DRIFT 12`). */
const BADGE_ROOM = 11;

/** The size of a leaf: its longest line and its number of lines. */
export function leafSize(n: SceneNode): { width: number; height: number } {
  // The badge's room does not depend on its text, so a status change never moves anything.
  const longest = Math.max(n.title.length + (n.badge ? BADGE_ROOM : 0), ...n.lines.map((l) => l.length));
  return {
    width: Math.max(n.minWidth ?? 0, Math.ceil(longest * CHAR_WIDTH + 2 * PAD)),
    height: PAD * 2 + LINE_HEIGHT * (1 + n.lines.length),
  };
}

/** Every node of a scene, parents before children: the reading (and keyboard) order. */
export function* walk(root: SceneNode): Generator<SceneNode> {
  yield root;
  for (const c of root.children ?? []) yield* walk(c);
}
