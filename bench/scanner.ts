// Pipeline finding on a 5,000-line Python file: what every keystroke costs (the
// code lens and outline rescan the document on change). Prints figures only.
import { performance } from 'node:perf_hooks';
import { scanPython, mightHavePipeline } from '../src/core/python/scanner';

export function makeFile(lines: number): string {
  const out = ['import kfp', 'from kfp import dsl', 'from kfp.dsl import component, pipeline as kfp_pipeline', ''];
  let i = 0;
  while (out.length < lines) {
    i++;
    if (i % 10 === 0) {
      out.push(`@dsl.pipeline(`, `    name="pipeline-${i}",`, `    description="Pipeline ${i} (generated)",`, ')', `def pipeline_${i}(a: str = "x, y", b: int = ${i}, c: float = 0.5, d: list = [1, 2]):`);
      for (let k = 0; k < 12; k++) out.push(`    t${k} = step_${i}(text=a, n=b)  # task ${k}`);
      out.push('');
    } else if (i % 3 === 0) {
      out.push(`@component(base_image="python:3.11")`, `def step_${i}(text: str, n: int) -> str:`, `    """Step ${i}."""`, '    return text * n', '');
    } else {
      out.push(`def helper_${i}(x, y=(1, 2), *args, **kw):`, `    if x > 0:`, `        return [v for v in range(x) if v % 2 == 0]`, `    return {"a": x, "b": "text with ( and ] inside"}`, '');
    }
  }
  return out.slice(0, lines).join('\n');
}

export function benchScanner(): Array<[string, string]> {
  const text = makeFile(5000);
  for (let i = 0; i < 20; i++) scanPython(text); // warm up
  const times: number[] = [];
  let found = 0;
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    found = scanPython(text).pipelines.length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const pre: number[] = [];
  for (let i = 0; i < 200; i++) { const t = performance.now(); mightHavePipeline(text); pre.push(performance.now() - t); }
  pre.sort((a, b) => a - b);
  // The worst case a user can type: an unclosed @dsl.pipeline( at the top of a 10,000-line file.
  const unclosed = 'from kfp import dsl\n@dsl.pipeline(\n' + makeFile(10_000);
  const worst: number[] = [];
  for (let i = 0; i < 20; i++) { const t = performance.now(); scanPython(unclosed); worst.push(performance.now() - t); }
  worst.sort((a, b) => a - b);
  return [
    ['file', `5,000 lines, ${(text.length / 1024).toFixed(0)} KiB, ${found} pipelines`],
    ['10,000 lines after an unclosed @dsl.pipeline(, median / max of 20', `${worst[10].toFixed(2)} / ${worst[19].toFixed(2)} ms`],
    ['full scan, median of 200', `${times[100].toFixed(2)} ms`],
    ['full scan, 95th percentile', `${times[190].toFixed(2)} ms`],
    ['cheap pre-check (mightHavePipeline), median', `${(pre[100] * 1000).toFixed(1)} µs (returns at the first hit)`],
  ];
}

if (require.main === module) {
  console.log('Pipeline scanner (Node, one core):');
  for (const [k, v] of benchScanner()) console.log(`  ${k.padEnd(48)} ${v}`);
}
