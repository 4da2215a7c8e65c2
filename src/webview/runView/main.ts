// The run view's webview: the graph (dagre layout of what is visible: groups
// collapse, loops show counts by state and expand on demand), a failed-steps
// list, an accessible task table, step details and the step's log tail.
// Everything from the server is put in the DOM as text (textContent), never as HTML.
import dagre from '@dagrejs/dagre';
import type { HostMessage, RenderReport, RunSummary, StepOutputsView, ViewGraph, ViewMessage, ViewNode, ViewNodeState } from '../../core/runView/protocol';
import type { RuntimeState } from '../../core/kfp/types';

interface VsCodeApi { postMessage(m: ViewMessage): void; getState(): SavedState | undefined; setState(s: SavedState): void }
declare function acquireVsCodeApi(): VsCodeApi;
interface SavedState { runId?: string; selected?: string; expanded?: string[]; scale?: number; tx?: number; ty?: number }

const vscode = acquireVsCodeApi();
const saved = vscode.getState() ?? {};
const SVG = 'http://www.w3.org/2000/svg';
const NODE_H = 44, MAX_ITERATIONS = 24, TABLE_PAGE = 300;
// A group with more distinct steps than BAND_OVER is drawn as bands of BAND_SIZE steps in dependency order (by rank),
// each a node with its counts that expands on a click: thousands of distinct steps paint as a few dozen nodes.
const BAND_OVER = 300, BAND_SIZE = 200;
/** The band each step of a large group falls in (recomputed with what is visible). */
const bandOf = new Map<string, string>();
const isBand = (id: string) => id.includes('#band');

let run: RunSummary = { name: '' };
let graph: ViewGraph | undefined;
const templates = new Map<string, ViewNode>();
let states: Record<string, ViewNodeState> = {};
let iterations: Record<string, Array<[number, RuntimeState]>> = {};
const expanded = new Set<string>(saved.expanded ?? []);
const iterationLimit = new Map<string, number>();
let selected: string | undefined = saved.selected;
let search = '';
let tableLimit = TABLE_PAGE;
let scale = saved.scale ?? 1, tx = saved.tx ?? 20, ty = saved.ty ?? 20;
let logLines: string[] = [];
let outputs: { nodeId: string; outputs?: StepOutputsView; error?: string } | undefined;
let logInfo = '';
let logSource = '';
let visibleOrder: string[] = [];
const nodeEls = new Map<string, SVGGElement>();

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};
const persist = () => vscode.setState({ runId: run.runId, selected, expanded: [...expanded], scale, tx, ty });

// ---- the model: template nodes and their instances inside loop iterations ----

/** The template id of an instance id: `root/loop[3]/a` → `root/loop/a`. */
const templateOf = (id: string) => id.replace(/\[\d+\]/g, '');
const nodeOf = (id: string) => templates.get(templateOf(id));
/** Children of an instance: the template's children re-rooted under the instance. */
function childrenOf(id: string): string[] {
  const t = nodeOf(id);
  if (!t?.childIds) return [];
  const tid = templateOf(id);
  return t.childIds.map((c) => id + c.slice(tid.length));
}
function edgesOf(id: string): Array<[string, string]> {
  const t = nodeOf(id);
  const tid = templateOf(id);
  return (t?.edges ?? []).map(([a, b]) => [id + a.slice(tid.length), id + b.slice(tid.length)]);
}
const isLeaf = (n: ViewNode | undefined) => n?.kind === 'task' || n?.kind === 'importer';
const stateOf = (id: string): RuntimeState | undefined => states[id]?.s;

/** Every leaf instance under an id (through loop iterations), with its state. */
function leafInstances(id: string, out: string[] = []): string[] {
  const t = nodeOf(id);
  if (!t) return out;
  if (isLeaf(t)) { out.push(id); return out; }
  if (t.kind === 'loop') {
    const its = iterations[id];
    if (its?.length) { for (const [i] of its) for (const c of childrenOf(`${id}[${i}]`)) leafInstances(c, out); return out; }
  }
  for (const c of childrenOf(id)) leafInstances(c, out);
  return out;
}

function counts(id: string): Partial<Record<RuntimeState, number>> {
  const c: Partial<Record<RuntimeState, number>> = {};
  for (const l of leafInstances(id)) { const s = stateOf(l) ?? 'PENDING'; c[s] = (c[s] ?? 0) + 1; }
  return c;
}

const SYMBOL: Partial<Record<RuntimeState, string>> = { SUCCEEDED: '✓', FAILED: '✗', RUNNING: '⟳', PENDING: '…', CANCELED: '⊘', CANCELING: '⊘', SKIPPED: '↷', PAUSED: '⏸' };
const countText = (c: Partial<Record<RuntimeState, number>>) => Object.entries(c).map(([s, n]) => `${n}${SYMBOL[s as RuntimeState] ?? '?'}`).join(' ');
const stateLabel = (s?: RuntimeState) => (s ? s.charAt(0) + s.slice(1).toLowerCase().replace('_', ' ') : 'Not started');

// ---- render ----

interface Item { id: string; label: string; sub: string; kind: 'node' | 'cluster' | 'more'; state?: RuntimeState; parent?: string }

function visibleItems(): { items: Item[]; edges: Array<[string, string]> } {
  const items: Item[] = [];
  const edges: Array<[string, string]> = [];
  const shown = new Set<string>();
  const add = (id: string, parent?: string) => {
    const t = nodeOf(id);
    if (!t) return;
    const leaf = isLeaf(t);
    const open = !leaf && expanded.has(id);
    const st = states[id];
    const sub = leaf
      ? `${stateLabel(st?.s)}${st?.cached ? ' · cached' : ''}`
      : `${t.kind === 'loop' ? `loop${iterations[id] ? ` ×${iterations[id].length}` : ''} · ` : t.kind === 'condition' ? 'if · ' : t.kind === 'exitHandler' ? 'exit handler · ' : ''}${countText(counts(id))}`;
    items.push({ id, label: t.name, sub, kind: open ? 'cluster' : 'node', state: st?.s, parent });
    shown.add(id);
    if (!open) return;
    if (t.kind === 'loop') {
      const its = iterations[id] ?? [];
      const limit = iterationLimit.get(id) ?? MAX_ITERATIONS;
      for (const [i, s] of its.slice(0, limit)) {
        const iid = `${id}[${i}]`;
        items.push({ id: iid, label: `iteration ${i}`, sub: stateLabel(s), kind: 'cluster', state: s, parent: id });
        shown.add(iid);
        for (const c of childrenOf(iid)) add(c, iid);
        edges.push(...edgesOf(iid));
      }
      if (its.length > limit) items.push({ id: `${id}#more`, label: `${its.length - limit} more iterations`, sub: 'click to show more', kind: 'more', parent: id });
      if (!its.length) for (const c of childrenOf(id)) add(c, id);
      if (!its.length) edges.push(...edgesOf(id));
      return;
    }
    addChildren(id, id);
  };
  // The children of a group: each drawn, or, past BAND_OVER, in bands of steps by rank.
  const addChildren = (id: string, parent?: string) => {
    const ch = childrenOf(id);
    const inner = edgesOf(id);
    if (ch.length <= BAND_OVER) { for (const c of ch) add(c, parent); edges.push(...inner); return; }
    const bands = bandsOf(id, ch, inner);
    const where = new Map<string, string>();
    bands.forEach((members, k) => {
      const bid = `${id}#band${k}`;
      for (const m of members) { bandOf.set(m, bid); where.set(m, bid); }
      const open = expanded.has(bid);
      const c: Partial<Record<RuntimeState, number>> = {};
      for (const m of members) {
        // A step counts itself; only groups need their leaves counted.
        if (isLeaf(nodeOf(m))) { const st = stateOf(m) ?? 'PENDING'; c[st] = (c[st] ?? 0) + 1; continue; }
        for (const [st, n] of Object.entries(counts(m))) c[st as RuntimeState] = (c[st as RuntimeState] ?? 0) + (n ?? 0);
      }
      items.push({ id: bid, label: `steps ${k * BAND_SIZE + 1}–${k * BAND_SIZE + members.length} of ${ch.length}`, sub: countText(c), kind: open ? 'cluster' : 'node', parent });
      shown.add(bid);
      if (open) for (const m of members) add(m, bid);
    });
    // Edges between bands stand for the edges between their steps.
    const seen = new Set<string>();
    for (const [a, b] of inner) {
      const from = expanded.has(where.get(a) ?? '') ? a : where.get(a) ?? a;
      const to = expanded.has(where.get(b) ?? '') ? b : where.get(b) ?? b;
      if (from === to || seen.has(`${from}>${to}`)) continue;
      seen.add(`${from}>${to}`);
      edges.push([from, to]);
    }
  };
  if (graph) addChildren(graph.rootId);
  return { items, edges: edges.filter(([a, b]) => shown.has(a) && shown.has(b)) };
}

/** Steps ordered by rank (longest path from a step with no inputs), then as the spec lists them, cut into bands. */
function bandsOf(_id: string, ch: string[], inner: Array<[string, string]>): string[][] {
  const rank = new Map<string, number>(ch.map((c) => [c, 0]));
  const preds = new Map<string, string[]>();
  const indeg = new Map<string, number>(ch.map((c) => [c, 0]));
  const succ = new Map<string, string[]>();
  for (const [a, b] of inner) {
    if (!rank.has(a) || !rank.has(b)) continue;
    (succ.get(a) ?? succ.set(a, []).get(a)!).push(b);
    (preds.get(b) ?? preds.set(b, []).get(b)!).push(a);
    indeg.set(b, (indeg.get(b) ?? 0) + 1);
  }
  const queue = ch.filter((c) => !indeg.get(c));
  for (let q = 0; q < queue.length; q++) {
    const c = queue[q];
    for (const n of succ.get(c) ?? []) {
      rank.set(n, Math.max(rank.get(n)!, rank.get(c)! + 1));
      indeg.set(n, indeg.get(n)! - 1);
      if (!indeg.get(n)) queue.push(n);
    }
  }
  const order = new Map(ch.map((c, i) => [c, i]));
  const sorted = [...ch].sort((a, b) => rank.get(a)! - rank.get(b)! || order.get(a)! - order.get(b)!);
  const out: string[][] = [];
  for (let i = 0; i < sorted.length; i += BAND_SIZE) out.push(sorted.slice(i, i + BAND_SIZE));
  return out;
}

function render(): void {
  const t0 = performance.now();
  const { items, edges } = visibleItems();
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const it of items) {
    g.setNode(it.id, it.kind === 'cluster' ? { label: it.label, paddingTop: 24 } : { width: widthOf(it), height: NODE_H });
    if (it.parent) g.setParent(it.id, it.parent);
  }
  // dagre cannot route edges to a cluster: an edge into an expanded group goes to the group's first steps,
  // an edge out of it leaves from its last steps.
  const clusterIds = new Set(items.filter((i) => i.kind === 'cluster').map((i) => i.id));
  const kids = new Map<string, string[]>();
  for (const it of items) if (it.parent) kids.set(it.parent, [...(kids.get(it.parent) ?? []), it.id]);
  const ends = (id: string, dir: 'in' | 'out', depth = 0): string[] => {
    if (!clusterIds.has(id) || depth > 20) return [id];
    const ch = (kids.get(id) ?? []).filter((c) => !c.endsWith('#more'));
    const inner = new Set(ch);
    const picked = ch.filter((c) => !edges.some(([a, b]) => (dir === 'in' ? b === c && inner.has(a) : a === c && inner.has(b))));
    return (picked.length ? picked : ch).flatMap((c) => ends(c, dir, depth + 1));
  };
  for (const [a, b] of edges) {
    for (const from of ends(a, 'out')) for (const to of ends(b, 'in')) if (g.hasNode(from) && g.hasNode(to) && from !== to) g.setEdge(from, to);
  }
  try {
    dagre.layout(g);
  } catch (e) {
    $('summary').append(el('div', 'error', `The graph could not be laid out: ${(e as Error).message}`));
    return;
  }

  const root = $('graph') as unknown as SVGSVGElement;
  root.replaceChildren();
  nodeEls.clear();
  const layer = svg('g', { id: 'viewport' });
  root.appendChild(layer);
  const clusters = svg('g'), edgeLayer = svg('g'), nodeLayer = svg('g');
  layer.append(clusters, edgeLayer, nodeLayer);
  for (const e of g.edges()) {
    const pts = g.edge(e).points as Array<{ x: number; y: number }>;
    edgeLayer.appendChild(svg('path', { class: 'edge', d: pts.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' }));
  }
  visibleOrder = [];
  for (const it of items) {
    const n = g.node(it.id) as { x: number; y: number; width: number; height: number };
    if (!n) continue;
    if (it.kind === 'cluster') {
      const c = svg('g', { class: `cluster state-${(it.state ?? 'none').toLowerCase()}` });
      c.appendChild(svg('rect', { x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height, rx: 6 }));
      const label = svg('text', { x: n.x - n.width / 2 + 8, y: n.y - n.height / 2 + 16, class: 'cluster-label' });
      label.textContent = `${it.label} · ${it.sub}  ▾`;
      c.appendChild(label);
      c.addEventListener('click', (ev) => { if (ev.target === label) toggle(it.id); });
      clusters.appendChild(c);
      continue;
    }
    const w = widthOf(it);
    const node = svg('g', { class: `node ${it.kind} state-${(it.state ?? 'none').toLowerCase()}${selected === it.id ? ' selected' : ''}${search && it.label.toLowerCase().includes(search) ? ' match' : ''}`, transform: `translate(${n.x - w / 2},${n.y - NODE_H / 2})`, tabindex: 0, role: 'button', 'data-id': it.id });
    node.setAttribute('aria-label', `${it.label}: ${it.sub}`);
    node.appendChild(svg('rect', { width: w, height: NODE_H, rx: 6 }));
    const title = svg('text', { x: 10, y: 18, class: 'title' });
    title.textContent = clip(it.label, Math.floor((w - 20) / CHAR_W));
    const sub = svg('text', { x: 10, y: 35, class: 'sub' });
    sub.textContent = clip(it.sub, Math.floor((w - 20) / SUB_CHAR_W));
    const tip = svg('title');
    tip.textContent = `${it.label}\n${it.sub}`;
    node.append(tip, title, sub);
    node.addEventListener('click', () => (it.kind === 'more' ? showMore(it.parent!) : activate(it.id)));
    node.addEventListener('keydown', (ev) => onNodeKey(ev, it));
    nodeLayer.appendChild(node);
    nodeEls.set(it.id, node);
    if (it.kind !== 'more') visibleOrder.push(it.id);
  }
  applyTransform();
  renderSide();
  report(performance.now() - t0, items.length);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
// Nodes are as wide as their labels (within bounds): loop counts and long names are not cut at a fixed width.
const CHAR_W = 7.2, SUB_CHAR_W = 6.4, MIN_W = 160, MAX_W = 340;
const widthOf = (it: Item) => Math.round(Math.min(MAX_W, Math.max(MIN_W, 20 + Math.max(it.label.length * CHAR_W, it.sub.length * SUB_CHAR_W))));

function activate(id: string): void {
  if (isBand(id)) { toggle(id); return; }
  const t = nodeOf(id);
  if (t && !isLeaf(t)) toggle(id);
  select(id);
}

function toggle(id: string): void {
  if (expanded.has(id)) expanded.delete(id); else expanded.add(id);
  persist();
  render();
  // When what is drawn no longer fits, fit it (the user can zoom back in).
  const vp = $('graph').querySelector('#viewport') as SVGGElement | null;
  const box = vp?.getBBox();
  if (box && (box.width * scale > ($('graph').clientWidth || 800) || box.height * scale > ($('graph').clientHeight || 600))) fit();
  nodeEls.get(id)?.focus();
}

function showMore(loopId: string): void {
  iterationLimit.set(loopId, (iterationLimit.get(loopId) ?? MAX_ITERATIONS) + 100);
  render();
}

function select(id: string): void {
  if (selected !== id) { logLines = []; logInfo = ''; }
  selected = id;
  persist();
  for (const [nid, e] of nodeEls) e.classList.toggle('selected', nid === id);
  vscode.postMessage({ type: 'select', nodeId: id });
  renderSide();
}

function onNodeKey(ev: KeyboardEvent, it: Item): void {
  const i = visibleOrder.indexOf(it.id);
  if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); if (it.kind === 'more') showMore(it.parent!); else activate(it.id); }
  else if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') { ev.preventDefault(); nodeEls.get(visibleOrder[Math.min(visibleOrder.length - 1, i + 1)])?.focus(); }
  else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') { ev.preventDefault(); nodeEls.get(visibleOrder[Math.max(0, i - 1)])?.focus(); }
}

// ---- side panel: summary, failed steps, details, log, table ----

function renderSide(): void {
  const head = $('summary');
  head.replaceChildren();
  head.append(el('span', `badge state-${(run.state ?? 'none').toLowerCase()}`, run.static ? 'Pipeline' : stateLabel(run.state)), el('strong', undefined, ` ${run.name}`));
  if (run.error) head.append(el('div', 'error', run.error));
  if (run.source) {
    const src = el('div', 'muted source', `States from ${run.source}.`);
    src.id = 'state-source';
    head.append(src);
  }
  if (run.limits) {
    const lim = el('div', 'limits', run.limits);
    lim.id = 'state-limits';
    head.append(lim);
  }
  const failedBox = $('failed');
  failedBox.replaceChildren();
  const failed = Object.entries(states).filter(([id, s]) => s.s === 'FAILED' && isLeaf(nodeOf(id))).map(([id]) => id);
  if (failed.length) {
    failedBox.append(el('h3', undefined, `Failed steps (${failed.length})`));
    const ul = el('ul');
    for (const id of failed.slice(0, 50)) {
      const li = el('li');
      const b = el('button', 'link', displayName(id));
      b.addEventListener('click', () => reveal(id));
      li.appendChild(b);
      ul.appendChild(li);
    }
    failedBox.appendChild(ul);
  }
  renderDetails();
  renderTable();
}

function displayName(id: string): string {
  const parts: string[] = [];
  let cur = id;
  while (cur && cur !== graph?.rootId) {
    const m = /\[(\d+)\]$/.exec(cur);
    const t = nodeOf(cur);
    if (m) parts.unshift(`#${m[1]}`); else if (t) parts.unshift(t.name);
    cur = m ? cur.slice(0, m.index) : cur.slice(0, cur.lastIndexOf('/'));
  }
  return parts.join(' › ');
}

/** Expands every group on the way to a node, then selects it. */
function reveal(id: string): void {
  let cur = id;
  const chain: string[] = [];
  while (cur.includes('/')) {
    const m = /\[(\d+)\]$/.exec(cur);
    cur = m ? cur.slice(0, m.index) : cur.slice(0, cur.lastIndexOf('/'));
    if (cur !== graph?.rootId) chain.push(cur);
  }
  for (const c of chain) if (!/\[\d+\]$/.test(c)) expanded.add(c);
  for (const c of chain) {
    const m = /^(.*)\[(\d+)\]$/.exec(c);
    if (m) iterationLimit.set(m[1], Math.max(iterationLimit.get(m[1]) ?? MAX_ITERATIONS, Number(m[2]) + 1));
  }
  render();
  // Steps inside bands: open the bands on the way (they are known once drawn), then draw again.
  for (let pass = 0; pass < 4; pass++) {
    let more = false;
    for (const c of [id, ...chain]) { const b = bandOf.get(c); if (b && !expanded.has(b)) { expanded.add(b); more = true; } }
    if (!more) break;
    render();
  }
  select(id);
  nodeEls.get(id)?.focus();
}

function renderDetails(): void {
  const box = $('details');
  box.replaceChildren();
  if (!selected || !nodeOf(selected)) { box.append(el('p', 'muted', 'Select a step to see its details and log.')); return; }
  const t = nodeOf(selected)!;
  const s = states[selected];
  box.append(el('h3', undefined, displayName(selected)));
  const dl = el('dl');
  const row = (k: string, v?: string) => { if (!v) return; dl.append(el('dt', undefined, k), el('dd', undefined, v)); };
  row('State', `${stateLabel(s?.s)}${s?.cached ? ' (from cache: no pod ran)' : ''}`);
  row('Kind', t.kind);
  row('Started', s?.start);
  row('Finished', s?.end);
  if (s?.start && s?.end) row('Duration', `${Math.round((Date.parse(s.end) - Date.parse(s.start)) / 1000)} s`);
  row(run.executorLabel ?? 'Pod', s?.pod);
  row('Image', t.image);
  row('Condition', t.condition);
  row('Iterates over', t.iterator);
  row('Error', s?.error);
  row('Note', s?.note);
  row('Node ID', selected);
  box.appendChild(dl);
  if (s?.attempts?.length) {
    box.append(el('h3', undefined, `Attempts (${s.attempts.length})`));
    const ol = el('ol', 'attempts');
    ol.start = 0;
    s.attempts.forEach((a, i) => {
      const li = el('li');
      li.dataset.attempt = String(i);
      li.append(el('span', `state-text state-${a.s.toLowerCase()}`, stateLabel(a.s)), el('span', undefined, ` ${a.pod ?? ''}${a.error ? ` — ${a.error}` : ''} `));
      const b = el('button', 'link', 'Open log');
      b.addEventListener('click', () => vscode.postMessage({ type: 'openLog', nodeId: selected!, attempt: i }));
      li.appendChild(b);
      ol.appendChild(li);
    });
    box.appendChild(ol);
  }
  const list = (title: string, items?: string[]) => {
    if (!items?.length) return;
    box.append(el('h3', undefined, title));
    const ul = el('ul');
    for (const i of items) ul.appendChild(el('li', undefined, i));
    box.appendChild(ul);
  };
  list('Inputs', t.inputs);
  list('Outputs', t.outputs);
  list('Artifacts (MLMD IDs)', s?.artifacts);
  if (outputs?.nodeId === selected) {
    const box2 = el('div', 'mlmd');
    box2.id = 'step-outputs';
    const o = outputs.outputs;
    if (!o) box2.append(el('p', 'muted', outputs.error ?? ''));
    else {
      box2.append(el('h3', undefined, 'Output values (ML Metadata)'));
      if (o.cachedExecutionId) box2.append(el('p', 'muted', `This step's output is taken from cache (execution ${o.cachedExecutionId}).`));
      if (!o.values.length) box2.append(el('p', 'muted', 'No output values.'));
      const dl2 = el('dl');
      for (const [k, v] of o.values) dl2.append(el('dt', undefined, k), el('dd', undefined, v));
      box2.appendChild(dl2);
      if (o.artifacts.length) {
        box2.append(el('h3', undefined, 'Artifacts'));
        const ul = el('ul');
        for (const a of o.artifacts) {
          const li = el('li');
          li.append(el('span', undefined, `${a.direction === 'input' ? '← ' : '→ '}${a.name}${a.type ? ` (${a.type})` : ''} `), el('code', undefined, a.uri ?? ''));
          if (a.uri) {
            const b = el('button', 'link', 'Open');
            b.addEventListener('click', () => vscode.postMessage({ type: 'openArtifact', uri: a.uri!, name: a.name }));
            li.append(' ', b);
          }
          ul.appendChild(li);
        }
        box2.appendChild(ul);
      }
      box2.append(el('p', 'muted', `MLMD execution ${o.executionId ?? '?'}: ${o.executionState ?? 'unknown state'}`));
    }
    box.appendChild(box2);
  }
  if (isLeaf(t)) {
    const bar = el('div', 'toolbar');
    const open = el('button', undefined, 'Open log in editor');
    open.addEventListener('click', () => vscode.postMessage({ type: 'openLog', nodeId: selected! }));
    const copy = el('button', undefined, 'Copy pod name');
    copy.disabled = !s?.pod;
    copy.addEventListener('click', () => s?.pod && vscode.postMessage({ type: 'copy', text: s.pod }));
    bar.append(open, copy);
    box.appendChild(bar);
    box.append(el('div', 'muted', logInfo));
    const pre = el('pre', 'log');
    pre.id = 'log';
    pre.textContent = logLines.join('\n');
    box.appendChild(pre);
    pre.scrollTop = pre.scrollHeight;
  }
}

function renderTable(): void {
  const body = $('tasks').querySelector('tbody')!;
  body.replaceChildren();
  if (!graph) return;
  const all = leafInstances(graph.rootId);
  const rows = search ? all.filter((id) => displayName(id).toLowerCase().includes(search)) : all;
  for (const id of rows.slice(0, tableLimit)) {
    const s = states[id];
    const tr = el('tr');
    tr.dataset.taskId = id;
    tr.dataset.state = s?.s ?? 'NOT_STARTED';
    if (s?.pod) tr.dataset.pod = s.pod;
    if (s?.cached) tr.dataset.cached = 'true';
    if (s?.attempts) tr.dataset.attempts = String(s.attempts.length);
    const name = el('td');
    const b = el('button', 'link', displayName(id));
    b.addEventListener('click', () => reveal(id));
    name.appendChild(b);
    tr.append(name, el('td', `state-text state-${(s?.s ?? 'none').toLowerCase()}`, `${stateLabel(s?.s)}${s?.cached ? ' (cached)' : ''}`), el('td', undefined, s?.pod ?? ''));
    if (id === selected) tr.classList.add('selected');
    body.appendChild(tr);
  }
  const more = $('table-more');
  more.replaceChildren();
  if (rows.length > tableLimit) {
    const b = el('button', undefined, `Show ${Math.min(TABLE_PAGE, rows.length - tableLimit)} more of ${rows.length - tableLimit}`);
    b.addEventListener('click', () => { tableLimit += TABLE_PAGE; renderTable(); });
    more.appendChild(b);
  }
  $('table-count').textContent = `${rows.length} step${rows.length === 1 ? '' : 's'}`;
}

/** A state update: classes and labels change in place; the layout is redone only when what is visible changes. */
function applyStates(next: Record<string, ViewNodeState>, nextIterations: Record<string, Array<[number, RuntimeState]>>): void {
  const relayout = [...expanded].some((id) => (iterations[id]?.length ?? 0) !== (nextIterations[id]?.length ?? 0));
  states = { ...states, ...next };
  iterations = nextIterations;
  if (relayout) { render(); return; }
  const t0 = performance.now();
  for (const [id, e] of nodeEls) {
    const t = nodeOf(id);
    if (!t) continue;
    const st = states[id];
    const sub = isLeaf(t) ? `${stateLabel(st?.s)}${st?.cached ? ' · cached' : ''}` : `${t.kind === 'loop' ? `loop${iterations[id] ? ` ×${iterations[id].length}` : ''} · ` : ''}${countText(counts(id))}`;
    e.setAttribute('class', e.getAttribute('class')!.replace(/state-[a-z_]+/, `state-${(st?.s ?? 'none').toLowerCase()}`));
    (e.querySelector('.sub') as SVGTextElement).textContent = clip(sub, 30);
    e.setAttribute('aria-label', `${t.name}: ${sub}`);
  }
  renderSide();
  report(performance.now() - t0, nodeEls.size);
}

function report(ms: number, visibleNodes: number): void {
  const byState: Record<string, number> = {};
  if (graph) for (const id of leafInstances(graph.rootId)) { const k = stateOf(id) ?? 'NOT_STARTED'; byState[k] = (byState[k] ?? 0) + 1; }
  const rep: RenderReport = {
    visibleNodes, tableRows: $('tasks').querySelectorAll('tbody tr').length,
    failed: Object.entries(states).filter(([id, s]) => s.s === 'FAILED' && isLeaf(nodeOf(id))).map(([id]) => id), selected, ms, states: byState,
    log: selected ? { lines: logLines.length, info: logInfo } : undefined,
    rows: [...$('tasks').querySelectorAll<HTMLTableRowElement>('tbody tr')].map((tr) => {
      const r: NonNullable<RenderReport['rows']>[number] = { id: tr.dataset.taskId ?? '', state: tr.dataset.state ?? '' };
      if (tr.dataset.pod) r.pod = tr.dataset.pod;
      if (tr.dataset.cached) r.cached = true;
      if (tr.dataset.attempts) r.attempts = Number(tr.dataset.attempts);
      return r;
    }),
    outputs: outputs && outputs.nodeId === selected ? { values: outputs.outputs?.values.length ?? 0, artifacts: (outputs.outputs?.artifacts ?? []).map((a) => a.uri ?? a.name), info: document.getElementById('step-outputs')?.textContent ?? '' } : undefined,
    source: document.getElementById('state-source')?.textContent ?? undefined,
    error: document.getElementById('error-state')?.textContent ?? undefined,
    limits: document.getElementById('state-limits')?.textContent ?? undefined,
  };
  vscode.postMessage({ type: 'rendered', report: rep });
}

// ---- zoom and pan ----

function applyTransform(): void {
  $('graph').querySelector('#viewport')?.setAttribute('transform', `translate(${tx},${ty}) scale(${scale})`);
}
function zoom(f: number, cx = 200, cy = 150): void {
  const ns = Math.min(3, Math.max(0.05, scale * f));
  tx = cx - (cx - tx) * (ns / scale);
  ty = cy - (cy - ty) * (ns / scale);
  scale = ns;
  applyTransform();
  persist();
}
function fit(): void {
  const vp = $('graph').querySelector('#viewport') as SVGGElement | null;
  if (!vp) return;
  const box = vp.getBBox();
  const w = $('graph').clientWidth || 800, h = $('graph').clientHeight || 600;
  scale = Math.min(1.25, Math.max(0.05, Math.min(w / (box.width + 40), h / (box.height + 40))));
  // Centred, so a small graph does not sit in a corner of an empty canvas.
  tx = Math.max(20, (w - box.width * scale) / 2) - box.x * scale; ty = Math.max(20, (h - box.height * scale) / 3) - box.y * scale;
  applyTransform();
  persist();
}

function wire(): void {
  const g = $('graph');
  g.addEventListener('wheel', (ev) => { ev.preventDefault(); const r = g.getBoundingClientRect(); zoom(ev.deltaY < 0 ? 1.1 : 1 / 1.1, ev.clientX - r.left, ev.clientY - r.top); }, { passive: false });
  let drag: { x: number; y: number } | undefined;
  g.addEventListener('pointerdown', (ev) => { if ((ev.target as Element).closest('.node')) return; drag = { x: ev.clientX - tx, y: ev.clientY - ty }; g.setPointerCapture(ev.pointerId); });
  g.addEventListener('pointermove', (ev) => { if (!drag) return; tx = ev.clientX - drag.x; ty = ev.clientY - drag.y; applyTransform(); });
  g.addEventListener('pointerup', () => { if (drag) persist(); drag = undefined; });
  $('zoom-in').addEventListener('click', () => zoom(1.2));
  $('zoom-out').addEventListener('click', () => zoom(1 / 1.2));
  $('zoom-fit').addEventListener('click', fit);
  const input = $('search') as HTMLInputElement;
  input.addEventListener('input', () => { search = input.value.trim().toLowerCase(); tableLimit = TABLE_PAGE; render(); });
  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || !graph) return;
    const hit = leafInstances(graph.rootId).find((id) => displayName(id).toLowerCase().includes(search));
    if (hit) reveal(hit);
  });
  const menu = $('more-menu');
  const more = $('more-actions');
  const closeMenu = () => { menu.hidden = true; more.setAttribute('aria-expanded', 'false'); };
  more.addEventListener('click', (ev) => {
    ev.stopPropagation();
    menu.hidden = !menu.hidden;
    more.setAttribute('aria-expanded', String(!menu.hidden));
    if (!menu.hidden) menu.querySelector<HTMLButtonElement>('button:not([hidden])')?.focus();
  });
  document.addEventListener('click', closeMenu);
  menu.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { closeMenu(); more.focus(); } });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-action]')) {
    b.addEventListener('click', () => { closeMenu(); vscode.postMessage({ type: 'action', action: b.dataset.action as 'refresh' }); });
  }
  document.addEventListener('keydown', (ev) => {
    if ((ev.target as Element).tagName === 'INPUT') return;
    if (ev.key === '+' || ev.key === '=') zoom(1.2); else if (ev.key === '-') zoom(1 / 1.2); else if (ev.key === '0') fit();
    else if (ev.key === '/') { ev.preventDefault(); input.focus(); }
  });
}

window.addEventListener('message', (ev: MessageEvent<HostMessage>) => {
  const m = ev.data;
  switch (m.type) {
    case 'init': {
      run = m.run;
      graph = m.graph;
      templates.clear();
      for (const n of m.graph.nodes) templates.set(n.id, n);
      states = m.states;
      iterations = m.iterations;
      if (!saved.expanded) {
        // Small pipelines open fully; loops start collapsed, with counts.
        const small = m.graph.taskCount <= 40;
        for (const n of m.graph.nodes) if (n.childIds && n.kind !== 'loop' && n.id !== m.graph.rootId && small) expanded.add(n.id);
      }
      for (const b of document.querySelectorAll<HTMLButtonElement>('[data-action]')) b.hidden = (Boolean(run.static) && b.dataset.action !== 'refresh') || Boolean(run.actions && !run.actions.includes(b.dataset.action ?? ''));
      persist();
      render();
      if (!saved.scale) fit();
      if (selected) vscode.postMessage({ type: 'select', nodeId: selected });
      break;
    }
    case 'states':
      run = m.run;
      applyStates(m.states, m.iterations);
      break;
    case 'logs':
      if (m.nodeId !== selected) break;
      if (m.reset) { logLines = []; logSource = ''; }
      if (m.source) logSource = m.source;
      // Only the tail is kept: the full log opens in an editor.
      logLines = logLines.concat(m.lines).slice(-2000);
      logInfo = m.error ? `Log: ${m.error}` : `${logSource ? `from ${logSource === 'kubernetes' ? 'the Kubernetes API' : logSource === 'ui-server' ? 'the KFP UI server' : logSource === 'cloud-logging' ? 'Cloud Logging' : 'the log archive'}` : ''}${m.total !== undefined ? ` · ${m.total} lines${m.total > logLines.length ? `, last ${logLines.length} shown` : ''}` : ''}${m.done ? '' : ' · following'}`;
      renderDetails();
      report(0, nodeEls.size);
      break;
    case 'select':
      reveal(m.nodeId);
      break;
    case 'outputs':
      if (m.nodeId !== selected) break;
      outputs = { nodeId: m.nodeId, outputs: m.outputs, error: m.error };
      renderDetails();
      report(0, nodeEls.size);
      break;
    case 'error': {
      // An error state says what failed, why, and what to do: a title, the reason, and Retry.
      const box = el('div', 'error-state');
      box.id = 'error-state';
      box.setAttribute('role', 'alert');
      box.append(el('h2', undefined, graph ? 'The run could not be updated' : run.static ? 'The graph could not be drawn' : 'The run could not be opened'), el('p', 'error', m.message));
      const retry = el('button', undefined, 'Retry');
      retry.addEventListener('click', () => { box.remove(); vscode.postMessage({ type: 'action', action: 'refresh' }); });
      box.appendChild(retry);
      document.getElementById('error-state')?.remove();
      $('summary').prepend(box);
      report(0, nodeEls.size);
      break;
    }
  }
});

wire();
vscode.postMessage({ type: 'ready' });
