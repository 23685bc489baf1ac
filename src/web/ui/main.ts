/**
 * The web view (docs/web.md): sign in, list what the token may read, follow the event stream,
 * and draw the logical view, the physical view (admins: the agents' readings of their hosts,
 * re-read every few seconds since nothing tells the server when a host is changed by hand) and
 * the tables; trace a packet and draw it on both pictures.
 */
import type { Explanation } from '../../model/explain.js';
import type { TraceResult } from '../../model/trace.js';
import { COLLECTIONS, Cloud, type CloudChange, type Collection, type Identity, LIST_KEY } from '../cloud.js';
import { esc } from '../html.js';
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK } from 'elkjs/lib/elk-api.js';
import { elkConstructor, layout, useElk, warmUp } from '../layout.js';
import { logicalScene } from '../logical.js';
import { type PhysicalScene, physicalScene } from '../physical.js';
import { type Placement, type SceneNode, leafSize, walk } from '../scene.js';
import { EventReader } from '../sse.js';
import { type Marks, NO_MARKS, sceneDrawing } from '../svg.js';
import { tablesHtml } from '../tables.js';
import { logicalTraceMarks, physicalTraceMarks } from '../trace-marks.js';
import { Api, ApiError } from './api.js';
import { detailsHtml } from './details.js';
import { attachKeys, rove } from './keyboard.js';
import { evidenceHtml, traceHtml } from './trace-panel.js';

const HOST_REFRESH_MS = 4000;

// ELK in the page's own thread: measured (bench/ui), a Web Worker made reloads slower, since the
// worker compiles ELK's 1.4 MB again on every load while the page's script keeps its compiled code.
useElk(new (elkConstructor<new () => ELK>(elkBundled))());
const TOKEN_KEY = 'quark.token';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

type View = 'logical' | 'physical' | 'tables';

/** Layouts are kept while the scene's shape (ids, sizes, wires) is the same: a status change redraws, it does not re-lay. */
class LayoutCache {
  private key = '';
  private placement: Placement | null = null;

  async of(root: SceneNode): Promise<Placement> {
    const parts: string[] = [];
    for (const n of walk(root)) {
      const s = n.children && n.children.length > 0 ? `${n.children.length}` : `${leafSize(n).width}x${leafSize(n).height}`;
      parts.push(`${n.id}:${s}`);
      for (const e of n.edges ?? []) parts.push(`${e.id}>${e.label ?? ''}`);
    }
    const key = parts.join('|');
    if (key !== this.key || !this.placement) {
      this.placement = await layout(root);
      this.key = key;
    }
    return this.placement;
  }
}

class App {
  readonly cloud = new Cloud();
  private view: View = 'logical';
  private selected: string | null = null;
  private trace: TraceResult | null = null;
  private physical: PhysicalScene | null = null;
  private logical: SceneNode | null = null;
  private readonly layouts = { logical: new LayoutCache(), physical: new LayoutCache() };
  /** What each picture shows now, to replace only what changed while the layout stays. */
  private readonly drawn: Record<'logical' | 'physical', { placement: Placement; markup: Map<string, string> } | null> = {
    logical: null,
    physical: null,
  };
  /** The marks each picture was last drawn with (the details panel tells a selected hop's story). */
  private readonly marks: Record<'logical' | 'physical', Marks> = { logical: NO_MARKS, physical: NO_MARKS };
  /** Scale of each picture; null: fit to the panel's width. */
  private readonly zoom: Record<'logical' | 'physical', number | null> = { logical: 1, physical: 1 };
  private loaded = false;
  private buffered: CloudChange[] = [];
  private renderQueued = false;
  private rendering = false;
  private hostsTimer = 0;
  private readonly abort = new AbortController();
  /** Set once the first picture is on screen (the benchmark reads it). */
  firstPaint: number | null = null;

  constructor(
    readonly api: Api,
    readonly me: Identity,
  ) {}

  async start(): Promise<void> {
    $('who').textContent =
      `${this.me.userName} · project ${this.me.projectName}${this.me.isAdmin ? ' (admin: every project and the hosts)' : ''}`;
    this.cloud.projects.set(this.me.projectId, this.me.projectName);
    $('trace-form').hidden = !this.me.isAdmin;
    $('tab-physical').hidden = !this.me.isAdmin;
    this.wire();
    void this.follow();
    const lists = this.loadAll();
    void warmUp();
    await lists;
    if (this.me.isAdmin) {
      void this.readHosts();
      this.hostsTimer = window.setInterval(() => void this.readHosts(), HOST_REFRESH_MS);
    }
  }

  stop(): void {
    this.abort.abort();
    clearInterval(this.hostsTimer);
  }

  /** Lists every collection (and, for an admin, the project names), then applies what the stream sent meanwhile. */
  private async loadAll(): Promise<void> {
    this.loaded = false;
    const lists = COLLECTIONS.map(async (c) => {
      const body = await this.api.get<Record<string, { id: string }[]>>(`/v2.0/${c}`);
      return [c, body[LIST_KEY[c]] ?? []] as const;
    });
    const projects = this.me.isAdmin
      ? this.api.get<{ projects: { id: string; name: string }[] }>('/identity/v3/projects').catch(() => ({ projects: [] }))
      : Promise.resolve({ projects: [] });
    for (const [c, records] of await Promise.all(lists)) this.cloud.load(c as Collection, records);
    performance.mark('quark:listed');
    for (const p of (await projects).projects) this.cloud.projects.set(p.id, p.name);
    this.loaded = true;
    for (const change of this.buffered) this.cloud.apply(change);
    this.buffered = [];
    this.refreshDatalist();
    this.queueRender();
  }

  /** Follows the event stream; reconnects (and lists again, since changes may have been missed) when it drops. */
  private async follow(): Promise<void> {
    let first = true;
    while (!this.abort.signal.aborted) {
      try {
        const reader = await this.api.events(this.abort.signal);
        if (!first) await this.loadAll();
        first = false;
        const sse = new EventReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of sse.feed(value)) this.onEvent(e.event, JSON.parse(e.data) as Record<string, unknown>);
        }
      } catch (e) {
        if (this.abort.signal.aborted) return;
        if (e instanceof ApiError && e.status === 401) return signOut('Your session ended; sign in again.');
      }
      this.setLive(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  private onEvent(event: string, data: Record<string, unknown>): void {
    if (typeof data.revision === 'number') this.cloud.revision = data.revision;
    if (event === 'hello') this.setLive(true);
    else if (event === 'changes') {
      const changes = data.changes as CloudChange[];
      if (!this.loaded) this.buffered.push(...changes);
      else for (const c of changes) this.cloud.apply(c);
      if (this.me.isAdmin && changes.some((c) => c.collection !== 'agents')) this.soonReadHosts();
      this.refreshDatalist();
      this.queueRender();
    } else if (event === 'resync') void this.loadAll();
    else if (event === 'end') signOut('Your session ended; sign in again.');
    this.setLive(true);
  }

  private setLive(up: boolean): void {
    const live = $('live');
    live.textContent = up ? `live · revision ${this.cloud.revision}` : 'reconnecting…';
    live.classList.toggle('offline', !up);
  }

  private hostsTimeout = 0;
  /** An agent applies a change a moment after the commit: read the hosts again shortly. */
  private soonReadHosts(): void {
    clearTimeout(this.hostsTimeout);
    this.hostsTimeout = window.setTimeout(() => void this.readHosts(), 1200);
  }

  private readingHosts = false;
  /** Asks each host's agent what its host has (`explain host`). */
  private async readHosts(): Promise<void> {
    if (this.readingHosts || document.hidden) return;
    this.readingHosts = true;
    try {
      const hosts = [...new Set([...this.cloud.agents.values()].map((a) => a.host))];
      await Promise.all(
        hosts.map(async (host) => {
          try {
            const { explanation } = await this.api.get<{ explanation: Explanation }>(
              `/v2.0/quark/explain/hosts/${encodeURIComponent(host)}`,
            );
            const reading = explanation.hosts[0];
            if (reading) this.cloud.hosts.set(host, reading);
            this.cloud.unanswered.delete(host);
          } catch (e) {
            this.cloud.hosts.delete(host);
            this.cloud.unanswered.set(host, `not read: ${(e as Error).message}`);
          }
        }),
      );
      for (const host of [...this.cloud.hosts.keys()]) if (!hosts.includes(host)) this.cloud.hosts.delete(host);
    } finally {
      this.readingHosts = false;
    }
    this.queueRender();
  }

  queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      void this.render();
    });
  }

  private async render(): Promise<void> {
    if (this.rendering) {
      this.queueRender();
      return;
    }
    this.rendering = true;
    try {
      this.logical = logicalScene(this.cloud);
      this.physical = this.me.isAdmin ? physicalScene(this.cloud) : null;
      this.renderDrift();
      if (this.view === 'logical')
        await this.draw('logical', this.logical, 'Logical view: each project’s networks, routers and ports');
      else if (this.view === 'physical' && this.physical)
        await this.draw(
          'physical',
          this.physical.scene,
          'Physical view: each host’s bridges, instance plugs, namespaces and tunnels',
        );
      else if (this.view === 'tables') $('view-tables').innerHTML = tablesHtml(this.cloud, this.me.isAdmin);
      this.renderDetails();
      if (this.firstPaint === null && this.loaded) {
        this.firstPaint = 0;
        // Two frames later the frame holding the picture has been painted.
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            this.firstPaint = performance.now();
            document.body.dataset.firstPaint = String(Math.round(this.firstPaint));
          }),
        );
      }
      document.body.dataset.revision = String(this.cloud.revision);
    } finally {
      this.rendering = false;
    }
  }

  private async draw(which: 'logical' | 'physical', scene: SceneNode, name: string): Promise<void> {
    performance.mark(`quark:${which}:scene`);
    const placement = await this.layouts[which].of(scene);
    performance.mark(`quark:${which}:laid-out`);
    const marks = this.trace
      ? which === 'logical'
        ? logicalTraceMarks(scene, this.trace, this.selected)
        : physicalTraceMarks(scene, this.trace, this.selected)
      : { ...NO_MARKS, selected: this.selected };
    this.marks[which] = marks;
    const container = $(`view-${which}`);
    const focused = (document.activeElement as Element | null)?.closest<SVGGElement>('g.el')?.dataset.id ?? null;
    const drawing = sceneDrawing(scene, placement, marks, name);
    const before = this.drawn[which];
    const markup = new Map(drawing.items.map((i) => [i.key, i.markup]));
    const svg = container.querySelector('svg');
    if (before && before.placement === placement && svg && before.markup.size === markup.size) {
      // Same layout: a port's status or name changed, a trace was drawn. Replace those elements only.
      for (const { key, markup: next } of drawing.items) {
        if (before.markup.get(key) === next) continue;
        const old = svg.querySelector(`[data-key="${CSS.escape(key)}"]`);
        const holder = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
        holder.innerHTML = next;
        if (old && holder.firstElementChild) old.replaceWith(holder.firstElementChild);
      }
    } else {
      container.innerHTML = `${drawing.open}${drawing.items.map((i) => i.markup).join('')}${drawing.close}`;
    }
    this.drawn[which] = { placement, markup };
    this.applyZoom(which);
    performance.mark(`quark:${which}:drawn`);
    rove(container, focused ?? this.selected);
    if (focused) container.querySelector<SVGGElement>(`g.el[data-id="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
  }

  private applyZoom(which: 'logical' | 'physical'): void {
    const svg = $(`view-${which}`).querySelector('svg');
    if (!svg) return;
    const [w, h] = (svg.getAttribute('viewBox') ?? '0 0 0 0').split(' ').slice(2).map(Number) as [number, number];
    const fit = Math.min(1, ($(`view-${which}`).parentElement!.clientWidth - 4) / w);
    const z = this.zoom[which] ?? fit;
    svg.setAttribute('width', String(Math.round(w * z)));
    svg.setAttribute('height', String(Math.round(h * z)));
  }

  private zoomBy(factor: number | null): void {
    if (this.view === 'tables') return;
    const which = this.view;
    this.zoom[which] = factor === null ? null : Math.min(3, Math.max(0.2, (this.zoom[which] ?? 1) * factor));
    this.applyZoom(which);
  }

  private renderDrift(): void {
    const banner = $('drift-banner');
    const drift = this.physical ? [...this.physical.drift] : [];
    const total = drift.reduce((n, [, list]) => n + list.length, 0);
    const dead = [...this.cloud.agents.values()].filter((a) => !a.alive);
    banner.hidden = total === 0 && dead.length === 0;
    if (banner.hidden) return;
    const lines = drift.flatMap(([host, list]) =>
      list
        .slice(0, 8)
        .map(
          ({ element, item }) =>
            `<li>${esc(host)}: <strong>${esc(item.status.toUpperCase())}</strong> ${esc(item.text)} <button type="button" data-show="${esc(element)}">show</button></li>`,
        ),
    );
    const deadLines = dead.map(
      (a) => `<li>${esc(a.host)}: ${esc(a.agent_type)} is DOWN (last heartbeat ${esc(a.heartbeat_timestamp)})</li>`,
    );
    banner.innerHTML = `${total > 0 ? `DRIFT: ${total} item${total === 1 ? '' : 's'} on the hosts differ${total === 1 ? 's' : ''} from what the agents planned` : ''}${dead.length > 0 ? `${total > 0 ? ' · ' : ''}${dead.length} agent${dead.length === 1 ? '' : 's'} down` : ''}<ul>${lines.join('')}${deadLines.join('')}</ul>`;
  }

  private renderDetails(): void {
    if (!this.selected) return;
    const scenes = [this.logical, this.physical?.scene].filter((s): s is SceneNode => s !== null && s !== undefined);
    const node = scenes.flatMap((s) => [...walk(s)]).find((n) => n.id === this.selected);
    const panel = $('details');
    if (!node) {
      panel.innerHTML = '<p class="hint">The selected element is gone.</p>';
      return;
    }
    const hop = this.marks.logical.path.get(node.id) ?? this.marks.physical.path.get(node.id);
    const hopEvidence = hop && this.trace ? hop.steps.map((n) => this.trace!.hops[n - 1]).filter((h) => h !== undefined) : [];
    const onPath = hop
      ? `<p class="${hop.drop ? 'verdict dropped' : ''}">Trace, hop ${esc(hop.steps.join(', '))}: ${esc(hop.says)}</p>${hopEvidence.map((h) => evidenceHtml(h, true)).join('')}`
      : '';
    panel.innerHTML = onPath + detailsHtml(this.cloud, node, this.physical?.items.get(node.id), { enabled: this.me.isAdmin });
  }

  select(id: string | null): void {
    this.selected = id;
    if (!id)
      $('details').innerHTML = '<p class="hint">Select an element (click, or arrow keys and Enter) to see its details.</p>';
    this.queueRender();
  }

  show(view: View): void {
    this.view = view;
    for (const v of ['logical', 'physical', 'tables'] as const) {
      $(`view-${v}`).hidden = v !== view;
      $(`tab-${v}`).setAttribute('aria-selected', String(v === view));
    }
    this.queueRender();
  }

  private refreshDatalist(): void {
    if (!this.me.isAdmin) return;
    const options: string[] = [];
    for (const p of this.cloud.ports.values()) {
      if (!p.device_owner.startsWith('compute:')) continue;
      const ips = p.fixed_ips.map((f) => f.ip_address).join(', ');
      options.push(
        `<option value="${esc(p.id)}">${esc(this.cloud.portName(p))} · ${esc(ips)} · project ${esc(this.cloud.projectName(p.project_id))}</option>`,
      );
    }
    for (const f of this.cloud.floatingips.values())
      options.push(
        `<option value="${esc(f.floating_ip_address)}">floating IP of ${esc(f.fixed_ip_address ?? 'nothing')}</option>`,
      );
    $('endpoints').innerHTML = options.join('');
  }

  async runTrace(form: HTMLFormElement): Promise<void> {
    const data = new FormData(form);
    const q = new URLSearchParams({
      from: String(data.get('from')),
      to: String(data.get('to')),
      protocol: String(data.get('protocol')),
    });
    const port = String(data.get('port') ?? '');
    if (port) q.set('port', port);
    const out = $('trace-result');
    out.innerHTML = '<p>tracing…</p>';
    try {
      const { trace } = await this.api.get<{ trace: TraceResult }>(`/v2.0/quark/trace?${q}`);
      this.trace = trace;
      out.innerHTML = traceHtml(trace);
    } catch (e) {
      this.trace = null;
      out.innerHTML = `<p class="verdict dropped" role="alert">trace failed: ${esc((e as Error).message)}</p>`;
    }
    this.queueRender();
  }

  private wire(): void {
    for (const v of ['logical', 'physical', 'tables'] as const) $(`tab-${v}`).onclick = () => this.show(v);
    $('zoom-in').onclick = () => this.zoomBy(1.25);
    $('zoom-out').onclick = () => this.zoomBy(0.8);
    $('zoom-fit').onclick = () => this.zoomBy(null);
    for (const v of ['logical', 'physical'] as const)
      attachKeys($(`view-${v}`), { select: (id) => this.select(id), clear: () => this.select(null) });
    const form = $<HTMLFormElement>('trace-form');
    form.onsubmit = (ev) => {
      ev.preventDefault();
      void this.runTrace(form);
    };
    $('trace-clear').onclick = () => {
      this.trace = null;
      this.marks.logical = NO_MARKS;
      this.marks.physical = NO_MARKS;
      $('trace-result').innerHTML = '';
      this.queueRender();
    };
    const fill = (name: 'from' | 'to', value: string) => {
      (form.elements.namedItem(name) as HTMLInputElement).value = value;
      (form.elements.namedItem(name === 'from' ? 'to' : 'from') as HTMLInputElement).focus();
    };
    $('details').addEventListener('click', (ev) => {
      const b = (ev.target as Element).closest<HTMLButtonElement>('button');
      if (b?.dataset.traceFrom) fill('from', b.dataset.traceFrom);
      if (b?.dataset.traceTo) fill('to', b.dataset.traceTo);
    });
    $('drift-banner').addEventListener('click', (ev) => {
      const id = (ev.target as Element).closest<HTMLButtonElement>('button')?.dataset.show;
      if (!id) return;
      this.show('physical');
      this.select(id);
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          const el = document.querySelector<SVGGElement>(`#view-physical g.el[data-id="${CSS.escape(id)}"]`);
          el?.scrollIntoView({ block: 'center', inline: 'center' });
          el?.focus({ preventScroll: true });
        }),
      );
    });
  }
}

let app: App | null = null;

function signOut(message = ''): void {
  app?.stop();
  app = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('who').textContent = '';
  $('live').textContent = '';
}

async function enter(api: Api, identity: Identity): Promise<void> {
  sessionStorage.setItem(TOKEN_KEY, api.token);
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  app = new App(api, identity);
  (window as unknown as { quark: App }).quark = app;
  await app.start();
}

async function boot(): Promise<void> {
  performance.mark('quark:boot');
  $('logout').onclick = async () => {
    await app?.api.logout();
    signOut();
  };
  const form = $<HTMLFormElement>('login-form');
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    try {
      const { api, identity } = await Api.login(
        String(data.get('user')),
        String(data.get('password')),
        String(data.get('project')),
      );
      await enter(api, identity);
    } catch (e) {
      $('login-error').textContent = `Sign-in failed: ${(e as Error).message}`;
    }
  };
  const kept = sessionStorage.getItem(TOKEN_KEY);
  const api = kept ? new Api(kept) : null;
  const identity = api ? await api.identity() : null;
  if (api && identity) await enter(api, identity);
  else signOut();
}

void boot();
