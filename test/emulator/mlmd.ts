// ML Metadata behind a v2 run, as the KFP driver and launcher record it, served
// over gRPC-web as the KFP UI server's `/ml_metadata.*` proxy passes it through
// (kubeflow/pipelines frontend/server/app.ts to the metadata Envoy):
// - context `system.PipelineRun` named by the run ID (backend/src/v2/metadata/client.go
//   pipelineRunContextTypeName, GetPipeline);
// - a `system.DAGExecution` for the root (no task_name), for each sub-DAG, for a
//   ParallelFor (with iteration_count) and each of its iterations (task_name of the
//   loop, iteration_index), and a `system.ContainerExecution` per step, with the
//   custom properties CreateExecution / PublishExecution write (display_name,
//   task_name, parent_dag_id, pod_name, namespace, image, cached_execution_id,
//   inputs, outputs) and Execution.State RUNNING, COMPLETE, FAILED or CACHED;
// - output artifacts at `{pipeline root}/{pipeline}/{run}/{task}/{salt}/{name}`
//   (client.go GenerateOutputURI, driver.go), linked by OUTPUT events whose path
//   names the output, and INPUT events to the steps that consume them.
// Messages are encoded with protobufjs from the descriptor in src/core/mlmd/schema.ts,
// which test/unit/mlmd.test.ts checks field by field against the real .proto files.
import * as protobuf from 'protobufjs/light';
import { MLMD_DESCRIPTOR, jsonToPb } from '../../src/core/mlmd/schema';
import type { ArgoRun } from './argo';

type IrTask = { componentRef?: { name?: string }; taskInfo?: { name?: string }; parameterIterator?: unknown; artifactIterator?: unknown; inputs?: { artifacts?: Record<string, { taskOutputArtifact?: { producerTask?: string; outputArtifactKey?: string } }> } };
type IrComp = { dag?: { tasks?: Record<string, IrTask> }; executorLabel?: string; outputDefinitions?: { parameters?: Record<string, { parameterType?: string }>; artifacts?: Record<string, { artifactType?: { schemaTitle?: string } }> } };
type Spec = { pipelineInfo?: { name?: string }; root?: IrComp; components?: Record<string, IrComp>; deploymentSpec?: { executors?: Record<string, { container?: { image?: string } }> } };

type Value = Record<string, unknown>;
export interface MlmdData { contextId: number; executions: Value[]; artifacts: Value[]; events: Value[] }

const str = (v: string) => ({ string_value: v });
const int = (v: number) => ({ int_value: v });

/** The run's MLMD records as far as the run has got (`u` in the simulation's units). */
export function buildMlmd(specIn: Record<string, unknown>, run: ArgoRun, runId: string, u: number, contextId: number, pipelineRoot = 'minio://mlpipeline/v2/artifacts'): MlmdData {
  const spec = (specIn.pipeline_spec ?? specIn) as Spec;
  const comps = spec.components ?? {};
  const pipeline = spec.pipelineInfo?.name ?? 'pipeline';
  const executions: Value[] = [];
  const artifacts: Value[] = [];
  const events: Value[] = [];
  // IDs are unique across the store, as in MLMD's database.
  let nextId = contextId * 100_000 + 1;
  const exec = (type: string, props: Record<string, unknown>, state: string): number => {
    const id = nextId++;
    executions.push({ id, type, type_id: type === 'system.DAGExecution' ? 2 : 3, last_known_state: state, custom_properties: props });
    return id;
  };
  const started = (n?: { start: number }) => Boolean(n && n.start <= u);
  const stateAt = (n: { start: number; end: number; phase: string }) => (n.end > u ? 'RUNNING' : n.phase === 'Failed' ? 'FAILED' : 'COMPLETE');
  // Output artifacts of each step instance, for the INPUT events of their consumers.
  const produced = new Map<string, number>();
  const firstRun = new Map<string, number>();

  const walk = (comp: IrComp, path: string, parent: number) => {
    for (const [key, t] of Object.entries(comp.dag?.tasks ?? {})) {
      const c = comps[t.componentRef?.name ?? ''] ?? {};
      const p = `${path}/${key}`;
      const group = run.groups.get(p);
      if (t.parameterIterator || t.artifactIterator) {
        if (!group || !started(group) || group.type === 'Skipped') continue;
        const n = run.loops.get(p) ?? 0;
        const loopId = exec('system.DAGExecution', { display_name: str(t.taskInfo?.name ?? key), task_name: str(key), parent_dag_id: int(parent), iteration_count: int(n) }, stateAt(group));
        for (let i = 0; i < n; i++) {
          const iterId = exec('system.DAGExecution', { display_name: str(t.taskInfo?.name ?? key), task_name: str(key), parent_dag_id: int(loopId), iteration_index: int(i) }, stateAt(group));
          walk(c, `${p}[${i}]`, iterId);
        }
        continue;
      }
      if (c.dag) {
        if (!group || !started(group) || group.type === 'Skipped') continue;
        walk(c, p, exec('system.DAGExecution', { display_name: str(t.taskInfo?.name ?? key), task_name: str(key), parent_dag_id: int(parent) }, stateAt(group)));
        continue;
      }
      const step = run.steps.get(p);
      if (!step || step.start > u || step.phase === 'Omitted' || step.phase === 'Skipped') continue;
      const image = spec.deploymentSpec?.executors?.[c.executorLabel ?? '']?.container?.image ?? '';
      const props: Record<string, unknown> = {
        display_name: str(t.taskInfo?.name ?? key), task_name: str(key), parent_dag_id: int(parent), image: str(image),
        namespace: str(run.opts.namespace),
      };
      const done = step.end <= u;
      if (step.podName) props.pod_name = str(step.podName);
      const cachedFrom = step.cached ? firstRun.get(`${pipeline}/${key}`) : undefined;
      if (step.cached) props.cached_execution_id = str(String(cachedFrom ?? 1));
      const outDefs = Object.entries(c.outputDefinitions?.parameters ?? {});
      if (done && step.phase !== 'Failed' && outDefs.length) {
        props.outputs = { struct_value: jsonToPb(Object.fromEntries(outDefs.map(([name, d]) => [name, sampleValue(d.parameterType, `${key}.${name}`)]))).struct_value };
      }
      const id = exec('system.ContainerExecution', props, step.cached ? 'CACHED' : done ? (step.phase === 'Failed' ? 'FAILED' : 'COMPLETE') : 'RUNNING');
      if (!firstRun.has(`${pipeline}/${key}`)) firstRun.set(`${pipeline}/${key}`, id);
      // The launcher records outputs when the step ends; the driver records its inputs when it starts.
      for (const [name, a] of Object.entries(t.inputs?.artifacts ?? {})) {
        const from = a.taskOutputArtifact;
        const art = from ? produced.get(`${path}/${from.producerTask}#${from.outputArtifactKey}`) : undefined;
        if (art) events.push({ artifact_id: art, execution_id: id, type: 'INPUT', path: { steps: [{ key: name }] } });
      }
      if (!done || step.phase === 'Failed') continue;
      for (const [name, d] of Object.entries(c.outputDefinitions?.artifacts ?? {})) {
        const aid = contextId * 100_000 + 50_000 + artifacts.length;
        artifacts.push({
          id: aid, type_id: 10, type: d.artifactType?.schemaTitle ?? 'system.Artifact', state: 'LIVE',
          uri: `${pipelineRoot}/${pipeline}/${runId}/${key}/${id.toString(16).padStart(8, '0')}/${name}`,
          custom_properties: { display_name: str(name) },
        });
        events.push({ artifact_id: aid, execution_id: id, type: 'OUTPUT', path: { steps: [{ key: name }] } });
        produced.set(`${p}#${name}`, aid);
      }
    }
  };
  const rootState = run.end <= u ? (run.nodes.get(run.wf)?.phase === 'Failed' ? 'FAILED' : 'COMPLETE') : 'RUNNING';
  const rootId = exec('system.DAGExecution', { display_name: str(pipeline) }, rootState);
  walk(spec.root ?? {}, 'root', rootId);
  return { contextId, executions, artifacts, events };
}

function sampleValue(type: string | undefined, seed: string): unknown {
  switch (type) {
    case 'NUMBER_INTEGER': return seed.length;
    case 'NUMBER_DOUBLE': return seed.length / 10;
    case 'BOOLEAN': return seed.length % 2 === 0;
    case 'LIST': return [seed, seed.toUpperCase()];
    case 'STRUCT': return { value: seed };
    default: return `${seed} value`;
  }
}

let root: protobuf.Root | undefined;
const types = () => (root ??= protobuf.Root.fromJSON(MLMD_DESCRIPTOR));

/**
 * One gRPC-web call: decodes the request frame, answers from `data` (undefined:
 * the run has no context yet), and frames the answer with its trailers
 * (grpc-web protocol: data frame, then a 0x80 trailer frame).
 */
export function serveMlmd(method: string, body: Buffer, store: { byRun(runId: string): MlmdData | undefined; byContext(id: number): MlmdData | undefined; byExecution(id: number): MlmdData | undefined }): { status: number; headers: Record<string, string>; body: Buffer } {
  const trailersOnly = (code: number, message: string) => ({ status: 200, headers: { 'content-type': 'application/grpc-web+proto', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) }, body: Buffer.alloc(0) });
  const known = ['GetContextByTypeAndName', 'GetExecutionsByContext', 'GetArtifactsByContext', 'GetEventsByExecutionIDs'];
  if (!known.includes(method)) return trailersOnly(12, `Method not found: ml_metadata.MetadataStoreService/${method}`);
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) return trailersOnly(13, 'grpc-web: malformed request frame');
  const req = types().lookupType(`ml_metadata.${method}Request`);
  const res = types().lookupType(`ml_metadata.${method}Response`);
  const q = req.toObject(req.decode(body.subarray(5)), { longs: Number, enums: String }) as Record<string, unknown>;
  let answer: Record<string, unknown> = {};
  switch (method) {
    case 'GetContextByTypeAndName': {
      // An unknown type or name is an empty answer (no context), which the KFP UI reports as "Cannot find specified context".
      const d = q.type_name === 'system.PipelineRun' ? store.byRun(String(q.context_name ?? '')) : undefined;
      if (d) answer = { context: { id: d.contextId, name: q.context_name, type_id: 1, type: 'system.PipelineRun' } };
      break;
    }
    case 'GetExecutionsByContext': answer = { executions: store.byContext(Number(q.context_id))?.executions ?? [] }; break;
    case 'GetArtifactsByContext': answer = { artifacts: store.byContext(Number(q.context_id))?.artifacts ?? [] }; break;
    case 'GetEventsByExecutionIDs': {
      const ids = new Set((q.execution_ids as number[] | undefined) ?? []);
      const seen = new Map<number, MlmdData>();
      for (const id of ids) { const d = store.byExecution(id); if (d && !seen.has(d.contextId)) seen.set(d.contextId, d); }
      answer = { events: [...seen.values()].flatMap((d) => d.events.filter((e) => ids.has(e.execution_id as number))) };
      break;
    }
  }
  const msg = res.encode(res.fromObject(answer)).finish();
  const frame = Buffer.alloc(5 + msg.length);
  frame[0] = 0;
  frame.writeUInt32BE(msg.length, 1);
  Buffer.from(msg).copy(frame, 5);
  const trailer = Buffer.from('grpc-status:0\r\ngrpc-message:\r\n');
  const tframe = Buffer.alloc(5 + trailer.length);
  tframe[0] = 0x80;
  tframe.writeUInt32BE(trailer.length, 1);
  trailer.copy(tframe, 5);
  return { status: 200, headers: { 'content-type': 'application/grpc-web+proto' }, body: Buffer.concat([frame, tframe]) };
}
