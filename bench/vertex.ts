// Vertex AI: what the extension's own code costs on a large pipeline job, in Node
// (no server in the measured path): placing the task details of a job of 5,001
// tasks (a loop of 2,500 iterations of two steps) on its graph, as every poll of an
// open run view does, and turning that into the webview's state message; and
// reading a step log of 20,000 Cloud Logging entries through the emulator, in
// pages of 1,000 (that figure includes the emulator on loopback). Prints figures only.
import { performance } from 'node:perf_hooks';
import { buildGraph } from '../src/core/graph/model';
import { viewStates } from '../src/core/runView/viewModel';
import { NodeTransport } from '../src/core/http/transport';
import { parseEndpoints, vertexClientFor } from '../src/core/endpoints';
import { jobLog } from '../src/core/vertex/logs';
import { vertexGraphState } from '../src/core/vertex/runs';
import type { PipelineJob, PipelineTaskDetail } from '../src/core/vertex/types';
import type { JsonObject } from '../src/core/kfp/types';
import { VertexEmulator } from '../test/emulator/vertex';

function bigJob(iterations: number): { spec: Record<string, unknown>; job: PipelineJob } {
  const exec = { container: { image: 'python:3.11' } };
  const spec = {
    pipelineInfo: { name: 'fan-out' }, schemaVersion: '2.1.0',
    root: { dag: { tasks: {
      prepare: { taskInfo: { name: 'prepare' }, componentRef: { name: 'comp-step' } },
      'for-loop-2': { taskInfo: { name: 'for-loop-2' }, componentRef: { name: 'comp-for-loop-2' }, dependentTasks: ['prepare'], parameterIterator: { itemInput: 'i', items: { raw: JSON.stringify([...Array(iterations).keys()]) } } },
    } } },
    components: { 'comp-step': { executorLabel: 'exec-step' }, 'comp-for-loop-2': { dag: { tasks: { train: { taskInfo: { name: 'train' }, componentRef: { name: 'comp-step' } }, score: { taskInfo: { name: 'score' }, componentRef: { name: 'comp-step' }, dependentTasks: ['train'] } } } } },
    deploymentSpec: { executors: { 'exec-step': exec } },
  };
  const d: PipelineTaskDetail[] = [{ taskId: '1', taskName: 'job', state: 'RUNNING' }, { taskId: '2', parentTaskId: '1', taskName: 'prepare', state: 'SUCCEEDED', executorDetail: { containerDetail: { mainJob: 'projects/1/locations/r/customJobs/2' } } }, { taskId: '3', parentTaskId: '1', taskName: 'for-loop-2', state: 'RUNNING' }];
  let id = 4;
  for (let i = 0; i < iterations; i++) {
    const it = String(id++);
    d.push({ taskId: it, parentTaskId: '3', taskName: 'for-loop-2', taskUniqueName: `for-loop-2.iteration-${i}`, state: 'RUNNING' });
    for (const step of ['train', 'score']) d.push({ taskId: String(id), parentTaskId: it, taskName: step, state: i % 3 ? 'SUCCEEDED' : 'RUNNING', executorDetail: { containerDetail: { mainJob: `projects/1/locations/r/customJobs/${id++}` } } });
  }
  return { spec, job: { name: 'projects/p/locations/r/pipelineJobs/job', state: 'PIPELINE_STATE_RUNNING', pipelineSpec: spec, jobDetail: { taskDetails: d } } };
}

export async function benchVertex(): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const { spec, job } = bigJob(2500);
  const graph = buildGraph(spec as JsonObject);
  for (let i = 0; i < 5; i++) viewStates(vertexGraphState(graph, job));
  const times: number[] = [];
  let placed = 0;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const st = vertexGraphState(graph, job);
    viewStates(st);
    times.push(performance.now() - t);
    placed = st.nodes.size;
  }
  times.sort((a, b) => a - b);
  out.push([`task details of a job of ${job.jobDetail!.taskDetails!.length} entries placed on its graph + view message (${placed} states), median / max of 20`, `${times[10].toFixed(1)} / ${times[19].toFixed(1)} ms`]);

  const emu = new VertexEmulator({ stepMs: 2_000_000, logLines: 20_000 });
  await emu.start();
  try {
    const { endpoints } = parseEndpoints([{ name: 'v', kind: 'vertex', project: emu.project, region: emu.region, apiRoot: emu.url }]);
    const v = vertexClientFor(endpoints[0], { transport: new NodeTransport() });
    await v.createPipelineJob({ displayName: 'log', pipelineSpec: { pipelineInfo: { name: 'log' }, root: { dag: { tasks: { step: { taskInfo: { name: 'step' }, componentRef: { name: 'c' } } } } }, components: { c: { executorLabel: 'e' } }, deploymentSpec: { executors: { e: { container: { image: 'x' } } } } }, runtimeConfig: { gcsOutputDirectory: 'gs://b/r' } }, 'log-1');
    // The step is half way: about 10,000 of its 20,000 lines are written.
    const rec = emu.jobs.get('log-1')!;
    const step = rec.plan.find((t) => t.customJob)!;
    const shift = (step.start + step.end) / 2 - Date.now();
    for (const t of rec.plan) { t.start -= shift; t.end -= shift; }
    rec.created -= shift; rec.end -= shift;
    const t = performance.now();
    let lines = 0;
    let pages = 0;
    for await (const batch of jobLog(v, step.customJob!, { running: () => false, pageSize: 1000 })) { lines += batch.length; pages++; }
    const ms = performance.now() - t;
    out.push([`a step log from Cloud Logging (emulator on loopback): ${lines.toLocaleString('en-US')} lines in ${pages} pages of 1,000`, `${ms.toFixed(0)} ms (${Math.round(lines / (ms / 1000)).toLocaleString('en-US')} lines/s)`]);
  } finally { await emu.stop(); }
  return out;
}
