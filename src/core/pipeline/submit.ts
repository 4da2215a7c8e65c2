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
  /** The version name came from the naming template (not the user): on a clash a suffix is added instead of failing. */
  versionNameFromTemplate?: boolean;
  /** How long to look for an object whose create got no answer (default 3 looks, 1 s apart). */
  lookup?: { tries: number; delayMs: number };
}

export interface SubmitResult {
  run: Run;
  pipeline?: Pipeline;
  version?: PipelineVersion;
  /** What this submit created on the server. */
  created: Array<'pipeline' | 'version' | 'run'>;
  /** Creates whose answer did not arrive but which were found on the server afterwards. */
  foundAfterNoAnswer?: Array<'pipeline' | 'version' | 'run'>;
}

/** A create that got no answer and that could not be found afterwards: it may exist or not. */
export class UnknownOutcomeError extends Error {
  constructor(message: string, readonly created: SubmitResult['created']) { super(message); }
}

const noAnswer = (e: unknown) => e instanceof KfpError && (e.kind === 'timeout' || e.kind === 'network');

/**
 * Runs a create; when it gets no answer (a timeout or a dropped connection), the
 * server may still have made the object, so it is looked up before anything is
 * reported: found, it is used; not found, the caller hears that the outcome is
 * unknown (never that it failed).
 */
async function createOrFind<T>(what: string, create: () => Promise<T>, find: () => Promise<T | undefined>, lookup = { tries: 3, delayMs: 1000 }): Promise<{ value: T; foundAfterNoAnswer?: boolean }> {
  try {
    return { value: await create() };
  } catch (e) {
    if (!noAnswer(e)) throw e;
    for (let i = 0; i < lookup.tries; i++) {
      if (i) await new Promise((r) => setTimeout(r, lookup.delayMs));
      const found = await find().catch(() => undefined);
      if (found) return { value: found, foundAfterNoAnswer: true };
    }
    throw new UnknownOutcomeError(`${what}: no answer from the server (${(e as Error).message}); it may still have been created. Refresh the explorer to see whether it exists before trying again.`, []);
  }
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
  let upFound: Array<'pipeline' | 'version'> | undefined;
  if (r.mode === 'upload') {
    const up = await uploadPipelineFile(client, r);
    ({ pipeline, version } = up);
    created.push(...up.created);
    upFound = up.foundAfterNoAnswer;
  }
  const run: Run = {
    display_name: r.runName,
    experiment_id: r.experiment.experiment_id,
    runtime_config: { parameters: r.parameters },
  };
  if (r.description) run.description = r.description;
  if (version?.pipeline_version_id) run.pipeline_version_reference = { pipeline_id: pipeline!.pipeline_id, pipeline_version_id: version.pipeline_version_id };
  else run.pipeline_spec = specForRun(r.parsed);
  const foundAfterNoAnswer: Array<'pipeline' | 'version' | 'run'> = [...(upFound ?? [])];
  const t0 = Date.now();
  try {
    const res = await createOrFind(`Starting the run "${r.runName}"`, () => client.createRun(run, r.signal), async () => {
      // The newest runs of the experiment with this name, created since the request was sent.
      const page = await client.listRuns({ experimentId: r.experiment.experiment_id, pageSize: 20, sortBy: 'created_at desc', filter: { predicates: [{ key: 'name', operation: 'EQUALS', string_value: r.runName }] } }, r.signal);
      return page.items.find((x) => x.display_name === r.runName && (!x.created_at || Date.parse(x.created_at) >= t0 - 120_000));
    }, r.lookup);
    created.push('run');
    if (res.foundAfterNoAnswer) foundAfterNoAnswer.push('run');
    return { run: res.value, pipeline, version, created, foundAfterNoAnswer: foundAfterNoAnswer.length ? foundAfterNoAnswer : undefined };
  } catch (e) {
    if (e instanceof UnknownOutcomeError) throw new UnknownOutcomeError(`${created.length ? `${created.includes('pipeline') ? `The pipeline "${pipeline?.display_name}"` : `The version "${version?.display_name}"`} was uploaded. ` : ''}${e.message}`, created);
    if (!created.length) throw e;
    const what = created.includes('pipeline') ? `the pipeline "${pipeline?.display_name}" was uploaded` : `the version "${version?.display_name ?? r.versionName}" of "${pipeline?.display_name}" was uploaded`;
    throw new PartialSubmitError(`${what}, but starting the run failed: ${(e as Error).message}. Start a run from it (Run on the pipeline or version in the explorer), or delete it.`, created, pipeline, version);
  }
}

/** Uploads as a new pipeline, or as a new version when a pipeline has that name already. */
export async function uploadPipelineFile(client: KfpClient, r: Pick<SubmitRequest, 'fileName' | 'content' | 'pipelineName' | 'versionName' | 'description' | 'signal' | 'versionNameFromTemplate' | 'lookup'>): Promise<{ pipeline: Pipeline; version?: PipelineVersion; created: Array<'pipeline' | 'version'>; foundAfterNoAnswer?: Array<'pipeline' | 'version'> }> {
  const found: Array<'pipeline' | 'version'> = [];
  const existing = await client.getPipelineByName(r.pipelineName, undefined, r.signal);
  if (existing?.pipeline_id) {
    const version = await uploadVersion(client, existing, r, found);
    return { pipeline: existing, version, created: ['version'], foundAfterNoAnswer: found.length ? found : undefined };
  }
  let pipeline: Pipeline;
  try {
    const res = await createOrFind(`Uploading the pipeline "${r.pipelineName}"`,
      () => client.uploadPipeline(r.fileName, r.content, { name: r.pipelineName, displayName: r.pipelineName, description: r.description }, r.signal),
      () => client.getPipelineByName(r.pipelineName, undefined, r.signal), r.lookup);
    pipeline = res.value;
    if (res.foundAfterNoAnswer) found.push('pipeline');
  } catch (e) {
    // Someone made a pipeline of that name since the look-up: upload as a version of it instead.
    if (!(e instanceof KfpError && e.isConflict)) throw e;
    const now = await client.getPipelineByName(r.pipelineName, undefined, r.signal);
    if (!now?.pipeline_id) throw e;
    const version = await uploadVersion(client, now, r, found);
    return { pipeline: now, version, created: ['version'], foundAfterNoAnswer: found.length ? found : undefined };
  }
  const versions = await client.listPipelineVersions(pipeline.pipeline_id!, { pageSize: 1, sortBy: 'created_at desc' }, r.signal);
  return { pipeline, version: versions.items[0], created: ['pipeline'], foundAfterNoAnswer: found.length ? found : undefined };
}

/** A new version; a name taken already gets -2, -3… when it came from the naming template, else the clash is explained. */
async function uploadVersion(client: KfpClient, pipeline: Pipeline, r: Pick<SubmitRequest, 'fileName' | 'content' | 'versionName' | 'description' | 'signal' | 'versionNameFromTemplate' | 'lookup'>, found: Array<'pipeline' | 'version'>): Promise<PipelineVersion> {
  const byName = async (name: string) => (await client.listPipelineVersions(pipeline.pipeline_id!, { pageSize: 1, filter: { predicates: [{ key: 'name', operation: 'EQUALS', string_value: name }] } }, r.signal)).items[0];
  for (let i = 1; i <= 9; i++) {
    const name = i === 1 ? r.versionName : `${r.versionName}-${i}`;
    try {
      const res = await createOrFind(`Uploading the version "${name}" of "${pipeline.display_name}"`,
        () => client.uploadPipelineVersion(pipeline.pipeline_id!, r.fileName, r.content, { name, description: r.description }, r.signal),
        () => byName(name), r.lookup);
      if (res.foundAfterNoAnswer) found.push('version');
      return res.value;
    } catch (e) {
      if (!(e instanceof KfpError && e.isConflict)) throw e;
      if (!r.versionNameFromTemplate) {
        throw new KfpError(`The pipeline "${pipeline.display_name}" has a version named "${name}" already (409). Give another version name, or leave it to the naming template (setting kfp.submit.versionName), which makes names unique.`, 'http', 409, e.grpcCode, e.serverMessage);
      }
    }
  }
  throw new KfpError(`The pipeline "${pipeline.display_name}" has versions "${r.versionName}" to "${r.versionName}-9" already; change the naming template (setting kfp.submit.versionName).`, 'http', 409);
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
