// Submitting to Vertex AI Pipelines: compile as for KFP, ask the parameters the
// same way, then create a PipelineJob with the spec inline (or from a template in
// the endpoint's Artifact Registry repository), with the endpoint's pipeline root,
// service account, network and labels, as python-aiplatform's PipelineJob.submit
// does (../shared/vertex-reference.md 2). The job ID is made as the SDK makes it, so
// a create whose answer is lost can be looked up instead of run twice.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EndpointConfig } from '../core/endpoints';
import type { JsonObject, JsonValue } from '../core/kfp/types';
import { KfpError } from '../core/kfp/errors';
import { parsePipelineText, ParsedPipeline } from '../core/pipeline/spec';
import { templateRepo, VertexClient, VertexError } from '../core/vertex/client';
import { consoleRunUrl, jobIdFor, jobIdOf, JobInputError, pipelineJobBody, pipelineState } from '../core/vertex/runs';
import type { PipelineJob } from '../core/vertex/types';
import type { EndpointManager } from '../endpoints/endpointManager';
import { log } from '../logging';
import { Prepared, SubmitArgs, SubmitFlow, UserCancelled } from './submitFlow';

export interface VertexSubmitArgs extends SubmitArgs {
  pipelineRoot?: string;
  labels?: Record<string, string>;
  /** Overrides caching for every task (true/false); absent: as compiled. */
  enableCaching?: boolean;
  serviceAccount?: string;
  /** Upload as a template first and run from it (needs templateRepository). */
  tags?: string[];
}

export class VertexSubmit {
  constructor(private readonly endpoints: EndpointManager, private readonly flow: SubmitFlow) {}

  private endpoint(): EndpointConfig {
    const e = this.endpoints.active();
    if (!e || e.kind !== 'vertex') throw new Error('The active endpoint is not a Vertex AI endpoint.');
    return e;
  }

  private async prepared(fileArg: unknown): Promise<{ error: Record<string, unknown> } | { args: VertexSubmitArgs; interactive: boolean; v: VertexClient; p: Prepared; pipelineName: string }> {
    const { file, args } = SubmitFlow.target(fileArg);
    const interactive = args.interactive ?? !(fileArg && typeof fileArg === 'object' && !(fileArg instanceof vscode.Uri));
    const v = await this.endpoints.getVertex();
    const p = await this.flow.prepare(file, args, interactive);
    if ('error' in p) return { error: { ok: false, error: p.error, kind: p.kind, hint: p.hint, cancelled: p.cancelled, reported: p.reported } };
    if (p.parsed.kind !== 'ir' || !p.parsed.spec) {
      return { error: { ok: false, kind: 'invalid', error: `${path.basename(p.compiledFile)} is a KFP v1 pipeline (an Argo Workflow): Vertex AI Pipelines runs KFP v2 pipelines. Compile it with the kfp 2 SDK (or convert the code to v2), then run it again.` } };
    }
    const pipelineName = args.pipelineName ?? p.parsed.name ?? path.basename(p.compiledFile).replace(/\.(ya?ml|json)$/i, '');
    return { args: args as VertexSubmitArgs, interactive, v, p, pipelineName };
  }

  /** Compile (if needed) and start a run. */
  async run(fileArg: unknown): Promise<Record<string, unknown>> {
    const started = await this.prepared(fileArg);
    if ('error' in started) return started.error;
    const { args, interactive, v, p, pipelineName } = started;
    const e = this.endpoint();
    const parameters = await this.flow.parameters(p, args.parameters, interactive);
    const names = await this.flow.names(p, pipelineName, args);
    let templateUri: string | undefined;
    let uploaded: { packageName: string; version: string } | undefined;
    if (args.tags?.length) {
      if (!e.templateRepository) return { ok: false, error: 'Running from a template needs "templateRepository" on the endpoint (https://REGION-kfp.pkg.dev/PROJECT/REPOSITORY).' };
      const repo = templateRepo(e.templateRepository, e.region!);
      uploaded = await v.uploadTemplate(repo, path.basename(p.compiledFile), p.content, args.tags, args.description);
      templateUri = `${repo.url}/${uploaded.packageName}/${uploaded.version}`;
    }
    return this.create(v, e, p.parsed, { parameters, runName: names.run, args, templateUri, extra: { compiledFile: p.compiledFile, template: uploaded } });
  }

  /** Start a run of a template version (or tag) of the endpoint's repository: {package, version? | tag?, parameters?, runName?}. */
  async runTemplate(a: { package: string; version?: string; tag?: string; parameters?: Record<string, JsonValue>; runName?: string; interactive: boolean }): Promise<Record<string, unknown>> {
    const e = this.endpoint();
    if (!e.templateRepository) return { ok: false, error: 'Set "templateRepository" on the endpoint to run templates.' };
    const v = await this.endpoints.getVertex();
    const repo = templateRepo(e.templateRepository, e.region!);
    const ref = a.version ?? a.tag ?? 'latest';
    // As the SDK does (utils/yaml_utils.py): the template is read, and both its spec and its URI are sent.
    const content = await v.downloadTemplate(repo, a.package, ref);
    const parsed = parsePipelineText(content.toString('utf8'));
    if (parsed.kind !== 'ir' || !parsed.spec) return { ok: false, error: `The template ${a.package}/${ref} is not a KFP v2 pipeline spec.` };
    const scope = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.sep);
    const p: Prepared = { file: scope, compiledFile: '', parsed, content };
    const parameters = await this.flow.parameters(p, a.parameters, a.interactive);
    const runName = a.runName ?? `${parsed.name ?? a.package} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
    return this.create(v, e, parsed, { parameters, runName, args: {}, templateUri: `${repo.url}/${a.package}/${ref}`, extra: { template: { packageName: a.package, ref } } });
  }

  private async create(v: VertexClient, e: EndpointConfig, parsed: ParsedPipeline, o: { parameters: Record<string, JsonValue>; runName: string; args: VertexSubmitArgs; templateUri?: string; extra: Record<string, unknown> }): Promise<Record<string, unknown>> {
    let body: PipelineJob;
    try {
      body = pipelineJobBody({
        spec: parsed.spec as JsonObject, displayName: o.runName, parameters: o.parameters, pipelineRoot: o.args.pipelineRoot ?? e.pipelineRoot,
        serviceAccount: o.args.serviceAccount ?? e.serviceAccount, network: e.network, labels: { ...(e.labels ?? {}), ...(o.args.labels ?? {}) },
        enableCaching: o.args.enableCaching, templateUri: o.templateUri,
      });
    } catch (err) {
      if (err instanceof JobInputError) return { ok: false, kind: 'invalid', error: err.message };
      throw err;
    }
    // An experiment is checked (and created) before the run starts, as the SDK's _validate_experiment does.
    const experiment = o.args.experiment ?? e.experiment;
    let experimentCreated = false;
    if (experiment) experimentCreated = (await v.ensureExperiment(experiment)).created;
    const jobId = jobIdFor(parsed.name ?? 'pipeline');
    let job: PipelineJob;
    let foundAfterNoAnswer = false;
    try {
      job = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Starting ${parsed.name} on Vertex AI…` }, () => v.createPipelineJob(body, jobId));
    } catch (err) {
      // No answer (timeout, dropped connection): the job may exist. It is looked up by its ID rather than created twice.
      if (!(err instanceof KfpError) || (err.kind !== 'timeout' && err.kind !== 'network')) throw err;
      try { job = await v.getPipelineJob(jobId); foundAfterNoAnswer = true; } catch (again) {
        if (again instanceof VertexError && again.status === 404) return { ok: false, error: `Vertex AI did not answer the create (${err.message}) and no run ${jobId} exists: nothing was started. Try again.` };
        return { ok: false, outcome: 'unknown', error: `Vertex AI did not answer the create (${err.message}) and the run ${jobId} could not be looked up (${(again as Error).message}): check the Pipeline runs list before starting it again.` };
      }
    }
    const id = jobIdOf(job);
    log().info(`Started Vertex AI run ${job.name} (${o.runName}) of ${parsed.name}`);
    let experimentResult: Record<string, unknown> | undefined;
    if (experiment) experimentResult = await this.linkExperiment(v, id, experiment, experimentCreated);
    return {
      ok: true, backend: 'vertex', parameters: o.parameters, foundAfterNoAnswer, ...o.extra, ...(experimentResult ? { experiment: experimentResult } : {}),
      run: { run_id: id, display_name: job.displayName, state: pipelineState(job.state) },
      name: job.name, consoleUrl: consoleRunUrl(e.project!, e.region!, id), pipelineRoot: job.runtimeConfig?.gcsOutputDirectory,
    };
  }

  /**
   * Links a started run to its experiment: the run's pipelineRunContext appears some time after the job is
   * created (the SDK polls for it), then becomes a child of the experiment. A failure is said, the run stays.
   */
  private async linkExperiment(v: VertexClient, id: string, experiment: string, created: boolean, waitMs = 60_000): Promise<Record<string, unknown>> {
    const until = Date.now() + waitMs;
    try {
      for (;;) {
        const ctx = (await v.getPipelineJob(id)).jobDetail?.pipelineRunContext?.name;
        if (ctx) { await v.addRunToExperiment(experiment, ctx); return { name: experiment, created, linked: true }; }
        if (Date.now() > until) throw new Error(`the run's metadata context did not appear within ${waitMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    } catch (err) {
      const why = `The run started, but could not be linked to the experiment "${experiment}": ${(err as Error).message}`;
      log().warn(why);
      void vscode.window.showWarningMessage(why);
      return { name: experiment, created, linked: false, error: why };
    }
  }

  /** Upload the compiled pipeline as a template version with tags. */
  async uploadTemplate(fileArg: unknown): Promise<Record<string, unknown>> {
    const started = await this.prepared(fileArg);
    if ('error' in started) return started.error;
    const { args, interactive, v, p } = started;
    const e = this.endpoint();
    if (!e.templateRepository) return { ok: false, error: 'Uploading a template needs "templateRepository" on the endpoint (https://REGION-kfp.pkg.dev/PROJECT/REPOSITORY).' };
    let tags = args.tags;
    if (!tags && interactive) {
      const t = await vscode.window.showInputBox({ title: `Upload ${p.parsed.name} as a template`, prompt: 'Tags, comma-separated (a tag moves to this version)', value: 'latest', ignoreFocusOut: true, validateInput: (x) => (x.split(',').some((y) => y.trim().startsWith('sha256:')) ? 'A tag must not start with sha256:' : null) });
      if (t === undefined) throw new UserCancelled();
      tags = t.split(',').map((x) => x.trim()).filter(Boolean);
    }
    const repo = templateRepo(e.templateRepository, e.region!);
    const r = await v.uploadTemplate(repo, path.basename(p.compiledFile), p.content, tags ?? [], args.description);
    return { ok: true, backend: 'vertex', package: r.packageName, version: r.version, tags: tags ?? [], templateUri: `${repo.url}/${r.packageName}/${r.version}`, compiledFile: p.compiledFile };
  }
}
