// What the KFP web UI does (frontend/src/lib/v2/StaticFlow.ts, DynamicFlow.ts):
// every node of the graph laid out flat with dagre (nodes 224×48, rankdir TB) and
// drawn. Bundled for the browser by bench/runView.ts, for comparison only.
import dagre from '@dagrejs/dagre';

(window as unknown as { flatRender: (nodes: string[], edges: Array<[string, string]>) => number }).flatRender = (nodes, edges) => {
  const t0 = performance.now();
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB' });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(n, { width: 224, height: 48 });
  for (const [a, b] of edges) g.setEdge(a, b);
  dagre.layout(g);
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  for (const n of nodes) {
    const p = g.node(n);
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    r.setAttribute('x', String(p.x)); r.setAttribute('y', String(p.y)); r.setAttribute('width', '224'); r.setAttribute('height', '48');
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.textContent = n;
    svg.append(r, t);
  }
  document.body.appendChild(svg);
  return performance.now() - t0;
};
