// Uploading a compiled pipeline and starting a run: as a new pipeline, as a new
// version of the pipeline that has the name already, or directly without
// uploading (the spec inline in the run, like the SDK's
// create_run_from_pipeline_func). A failure after something was created says
// what was created, so nothing is left behind unsaid.
import type { KfpClient } from '../kfp/client';
import { KfpError } from '../kfp/errors';
import type { Experiment, JsonValue, Pipeline, PipelineVersion, Run } from '../kfp/types';
import { ParsedPipeline, specForRun } from './spec';

export type SubmitMode = 'upload' | 'direct';

export interface SubmitRequest {
  parsed: ParsedPipeline;
  /** The compiled file's name and bytes, for the upload. */
  fileName: string;
  content: Buffer;
  mode: SubmitMode;
  pipelineName: string;
  versionName: string;
  runName: string;
  experiment: Experiment;
  parameters: Record<string, JsonValue>;
  description?: string;
  signal?: AbortSignal;
}

export interface SubmitResult {
  run: Run;
  pipeline?: Pipeline;
  version?: PipelineVersion;
  /** What this submit created on the server. */
  created: Array<'pipeline' | 'version' | 'run'>;
}

export class PartialSubmitError extends Error {
  constructor(message: string, readonly created: SubmitResult['created'], readonly pipeline?: Pipeline, readonly version?: PipelineVersion) {
    super(message);
  }
}

export async function submitPipeline(client: KfpClient, r: SubmitRequest): Promise<SubmitResult> {
  const info = client.serverInfo ?? await client.connect(r.signal);
  if (r.parsed.kind === 'ir' && info.apiVersion === 'v1beta1') {
    throw new KfpError('This server speaks only the v1beta1 API (KFP 1.x) and cannot run KFP v2 pipelines (IR YAML). Compile with the KFP SDK 1.8, or upgrade the server to KFP 2.', 'http', 501);
  }
  if (r.parsed.kind === 'unknown' || !r.parsed.spec) throw new Error('The file is not a compiled pipeline.');
  const created: SubmitResult['created'] = [];
  let pipeline: Pipeline | undefined;
  let version: PipelineVersion | undefined;
  if (r.mode === 'upload') {
    const up = await uploadPipelineFile(client, r);
    ({ pipeline, version } = up);
    created.push(...up.created);
  }
  const run: Run = {
    display_name: r.runName,
    experiment_id: r.experiment.experiment_id,
    runtime_config: { parameters: r.parameters },
  };
  if (r.description) run.description = r.description;
  if (version?.pipeline_version_id) run.pipeline_version_reference = { pipeline_id: pipeline!.pipeline_id, pipeline_version_id: version.pipeline_version_id };
  else run.pipeline_spec = specForRun(r.parsed);
  try {
    const started = await client.createRun(run, r.signal);
    created.push('run');
    return { run: started, pipeline, version, created };
  } catch (e) {
    if (!created.length) throw e;
    const what = created.includes('pipeline') ? `the pipeline "${pipeline?.display_name}" was uploaded` : `the version "${version?.display_name ?? r.versionName}" of "${pipeline?.display_name}" was uploaded`;
    throw new PartialSubmitError(`${what}, but starting the run failed: ${(e as Error).message}. Start a run from it in the explorer, or delete it.`, created, pipeline, version);
  }
}

/** Uploads as a new pipeline, or as a new version when a pipeline has that name already. */
export async function uploadPipelineFile(client: KfpClient, r: Pick<SubmitRequest, 'fileName' | 'content' | 'pipelineName' | 'versionName' | 'description' | 'signal'>): Promise<{ pipeline: Pipeline; version?: PipelineVersion; created: Array<'pipeline' | 'version'> }> {
  const existing = await client.getPipelineByName(r.pipelineName, undefined, r.signal);
  if (existing?.pipeline_id) {
    const version = await client.uploadPipelineVersion(existing.pipeline_id, r.fileName, r.content, { name: r.versionName, description: r.description }, r.signal);
    return { pipeline: existing, version, created: ['version'] };
  }
  const pipeline = await client.uploadPipeline(r.fileName, r.content, { name: r.pipelineName, displayName: r.pipelineName, description: r.description }, r.signal);
  const versions = await client.listPipelineVersions(pipeline.pipeline_id!, { pageSize: 1, sortBy: 'created_at desc' }, r.signal);
  return { pipeline, version: versions.items[0], created: ['pipeline'] };
}

export interface NameVars { pipelineName: string; date: Date; gitShortSha?: string; functionName?: string }

/** Expands ${pipelineName}, ${date}, ${time}, ${timestamp}, ${gitShortSha}, ${functionName}; drops separators left empty. */
export function expandName(template: string, v: NameVars): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const d = v.date;
  const date = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  const vars: Record<string, string> = { pipelineName: v.pipelineName, date, time, timestamp: `${date}-${time}`, gitShortSha: v.gitShortSha ?? '', functionName: v.functionName ?? '' };
  return template.replace(/\$\{(\w+)\}/g, (_, k: string) => vars[k] ?? '').replace(/([-_ .])(?:[-_ .])+/g, '$1').replace(/^[-_ .]+|[-_ .]+$/g, '');
}
