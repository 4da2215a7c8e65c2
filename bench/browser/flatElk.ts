// The same flat graph laid out with elkjs (layered), for the layout choice only.
import ELK from 'elkjs/lib/elk.bundled.js';

(window as unknown as { elkRender: (nodes: string[], edges: Array<[string, string]>) => Promise<number> }).elkRender = async (nodes, edges) => {
  const t0 = performance.now();
  const elk = new ELK();
  const g = await elk.layout({
    id: 'root', layoutOptions: { 'elk.algorithm': 'layered', 'elk.direction': 'DOWN' },
    children: nodes.map((id) => ({ id, width: 224, height: 48 })),
    edges: edges.map(([a, b], i) => ({ id: `e${i}`, sources: [a], targets: [b] })),
  });
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  for (const c of g.children ?? []) {
    const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    r.setAttribute('x', String(c.x)); r.setAttribute('y', String(c.y)); r.setAttribute('width', '224'); r.setAttribute('height', '48');
    svg.appendChild(r);
  }
  document.body.appendChild(svg);
  return performance.now() - t0;
};
