// "Retrain on new data": generate the Cloud Function into the workspace (nothing
// overwritten without a diff), test it locally with the Functions Framework and a
// sample storage event against the active endpoint, deploy it with the Cloud
// Functions v2 API, list and remove deployed ones (the "Retrain Functions" view).
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AdcTokenSource } from '../core/auth/google';
import { NodeTransport } from '../core/http/transport';
import { FunctionResource, FunctionsClient, FUNCTIONS_ROOT } from '../core/retrain/functionsClient';
import { checkRetrainConfig, ENTRY_POINT, RetrainConfig, RetrainLanguage, retrainFiles, RUNTIMES } from '../core/retrain/templates';
import { missingRuntimeFiles, zipFunctionSource } from '../core/retrain/zip';
import { parsePipelineText, pipelineParameters } from '../core/pipeline/spec';
import { templateRepo } from '../core/vertex/client';
import { isIrSpec } from '../core/graph/model';
import { CommandResult, register, Services, UserError } from '../commands/common';
import { resolveInterpreter } from '../pipelines/interpreter';
import { log } from '../logging';

export interface GenerateArgs {
  folder?: string;
  /** Vertex AI: the template (version or tag URL) each job runs; else picked from the endpoint's repository. */
  templateUri?: string;
  language?: RetrainLanguage;
  pipelineId?: string;
  versionId?: string;
  latest?: boolean;
  experimentId?: string;
  parameterName?: string;
  prefix?: string;
  suffix?: string;
  /** false: apply without the preview (scripts); the preview is shown only when a file would change. */
  preview?: boolean;
}

const cfg = () => vscode.workspace.getConfiguration('kfp');
const trusted = () => { if (!vscode.workspace.isTrusted) throw new UserError('This runs or uploads the function\'s files: trust the workspace first (Restricted Mode runs nothing from it).'); };

function folderUri(rel: string | undefined): vscode.Uri {
  const ws = vscode.workspace.workspaceFolders?.[0];
  if (!ws) throw new UserError('Open a folder first: the function is written into the workspace.');
  const r = rel ?? 'retrain-function';
  return path.isAbsolute(r) ? vscode.Uri.file(r) : vscode.Uri.joinPath(ws.uri, r);
}

function languageOf(dir: string): RetrainLanguage {
  if (fs.existsSync(path.join(dir, 'package.json'))) return 'node';
  if (fs.existsSync(path.join(dir, 'main.py'))) return 'python';
  throw new UserError(`${dir} holds no function (no package.json or main.py): generate one first.`);
}

export function registerRetrainCommands(s: Services, view: RetrainFunctionsProvider): void {
  register(s, 'kfp.retrain.refresh', async () => { view.refresh(); return { ok: true }; });

  register(s, 'kfp.retrain.generate', async (arg?: unknown): Promise<CommandResult> => {
    const a = (arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) ? arg : {}) as GenerateArgs;
    const endpoint = s.endpoints.active();
    if (!endpoint) throw new UserError('Add a KFP endpoint first: the function starts runs on it.');
    if (endpoint.kind === 'vertex') {
      const r = await vertexConfig(s, a);
      if ('cancelled' in r) return { ok: true, cancelled: true };
      return writeFunction(a, r.config, r.language, r.scripted);
    }
    const scripted = Boolean(a.pipelineId);
    const client = await s.endpoints.getClient();
    let pipelineId = a.pipelineId;
    if (!pipelineId) {
      const page = await client.listPipelines({ pageSize: 100, sortBy: 'created_at desc' });
      if (!page.items.length) throw new UserError('The endpoint has no pipeline: upload the training pipeline first.');
      const pick = await vscode.window.showQuickPick(page.items.map((p) => ({ label: p.display_name ?? p.pipeline_id ?? '', description: p.pipeline_id, id: p.pipeline_id! })), { title: 'Retrain on new data: which pipeline?', ignoreFocusOut: true });
      if (!pick) return { ok: true, cancelled: true };
      pipelineId = pick.id;
    }
    let latest = a.latest ?? !a.versionId;
    if (!scripted) {
      const pick = await vscode.window.showQuickPick([{ label: 'Its latest version when the data lands', latest: true }, { label: 'The version it has now (pinned)', latest: false }], { title: 'Which version should each run use?', ignoreFocusOut: true });
      if (!pick) return { ok: true, cancelled: true };
      latest = pick.latest;
    }
    const versions = await client.listPipelineVersions(pipelineId, { pageSize: 1, sortBy: 'created_at desc' });
    const newest = versions.items[0];
    if (!newest) throw new UserError('This pipeline has no version yet: upload one first.');
    const versionId = latest ? undefined : a.versionId ?? newest.pipeline_version_id;
    const spec = (await client.getPipelineVersion(pipelineId, versionId ?? newest.pipeline_version_id!)).pipeline_spec;
    const params = spec && isIrSpec(spec) ? pipelineParameters({ kind: 'ir', spec, problems: [] }).filter((d) => d.type === 'STRING') : [];
    let parameterName = a.parameterName;
    if (!parameterName) {
      if (scripted) throw new UserError(`Pass parameterName: the pipeline parameter that gets gs://BUCKET/OBJECT (its text parameters: ${params.map((p) => p.name).join(', ') || 'none'}).`);
      const pick = await vscode.window.showQuickPick(params.map((p) => ({ label: p.name, description: p.description })), { title: 'Which parameter gets the new object\'s gs:// path?', ignoreFocusOut: true });
      if (!pick) return { ok: true, cancelled: true };
      parameterName = pick.label;
    } else if (params.length && !params.some((p) => p.name === parameterName)) {
      throw new UserError(`The pipeline has no text parameter "${parameterName}" (it has: ${params.map((p) => p.name).join(', ') || 'none'}).`);
    }
    const ask = (title: string, value: string, prompt: string) => vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true });
    const prefix = a.prefix ?? (scripted ? '' : await ask('Only objects under this prefix', 'incoming/', 'e.g. incoming/ (empty: every object of the bucket)'));
    if (prefix === undefined) return { ok: true, cancelled: true };
    const suffix = a.suffix ?? (scripted ? '' : await ask('Only objects ending with', '.csv', 'e.g. .csv (empty: any)'));
    if (suffix === undefined) return { ok: true, cancelled: true };
    let language = a.language;
    if (!language) {
      if (scripted) language = 'node';
      else {
        const pick = await vscode.window.showQuickPick([{ label: 'Python', language: 'python' as const, description: 'functions-framework; the KFP calls with the standard library' }, { label: 'Node.js', language: 'node' as const, description: '@google-cloud/functions-framework' }], { title: 'Language of the function', ignoreFocusOut: true });
        if (!pick) return { ok: true, cancelled: true };
        language = pick.language;
      }
    }
    // How the deployed function reaches KFP: what the endpoint uses, where a function can do the same.
    const auth: RetrainConfig['auth'] = endpoint.auth === 'google' && endpoint.iapClientId ? 'iap' : !endpoint.auth || endpoint.auth === 'none' || endpoint.auth === 'userHeader' ? 'none' : 'bearer';
    // The URL without user info: a credential in it must not land in the workspace (or the function's source).
    const host = new URL(endpoint.url);
    host.username = '';
    host.password = '';
    const config: RetrainConfig = {
      kfpHost: host.toString().replace(/\/$/, ''), auth, ...(auth === 'iap' ? { iapClientId: endpoint.iapClientId } : {}),
      ...(endpoint.auth === 'userHeader' && endpoint.userId ? { userHeader: endpoint.userHeaderName || 'kubeflow-userid', userId: endpoint.userId } : {}),
      ...(endpoint.namespace ? { namespace: endpoint.namespace } : {}),
      pipelineId, ...(versionId ? { pipelineVersionId: versionId } : {}), ...(a.experimentId ? { experimentId: a.experimentId } : {}),
      parameterName, prefix, suffix, runNamePrefix: 'retrain',
    };
    return writeFunction(a, config, language, scripted);
  });

  /** Writes the function folder: new files created, changed ones only through the refactor preview. */
  async function writeFunction(a: GenerateArgs, config: RetrainConfig, language: RetrainLanguage, scripted: boolean): Promise<CommandResult> {
    const problems = checkRetrainConfig(config);
    if (problems.length) throw new UserError(`Cannot generate the function: ${problems.join('; ')}.`);
    const dir = folderUri(a.folder);
    const files = retrainFiles(language, config);
    const edit = new vscode.WorkspaceEdit();
    const changed: string[] = [], created: string[] = [], same: string[] = [];
    for (const [rel, text] of Object.entries(files)) {
      const uri = vscode.Uri.joinPath(dir, rel);
      let now: string | undefined;
      try { now = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)); } catch { /* new */ }
      if (now === text) { same.push(rel); continue; }
      if (now === undefined) { edit.createFile(uri, { contents: new TextEncoder().encode(text) }, { label: `create ${rel}`, needsConfirmation: false }); created.push(rel); continue; }
      // An existing file that differs: replaced only through the refactor preview (a diff), unless a script says no preview.
      const doc = await vscode.workspace.openTextDocument(uri);
      edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), text, { label: `${rel}: replace with the generated version`, needsConfirmation: a.preview !== false });
      changed.push(rel);
    }
    const applied = created.length + changed.length ? await vscode.workspace.applyEdit(edit, { isRefactoring: changed.length > 0 }) : true;
    if (applied) await vscode.workspace.saveAll(false);
    const rel = vscode.workspace.asRelativePath(dir);
    if (!scripted && applied) void vscode.window.showInformationMessage(`Wrote the retrain function into ${rel} (${language === 'node' ? 'Node.js' : 'Python'}): Test it locally, then Deploy.`, 'Test Locally', 'Deploy').then((p) => {
      if (p === 'Test Locally') void vscode.commands.executeCommand('kfp.retrain.testLocally', { folder: rel });
      if (p === 'Deploy') void vscode.commands.executeCommand('kfp.retrain.deploy', { folder: rel });
    });
    return { ok: true, folder: rel, language, applied, created, changed, unchanged: same, config };
  }

  register(s, 'kfp.retrain.testLocally', async (arg?: unknown): Promise<CommandResult> => {
    trusted();
    const a = (arg && typeof arg === 'object' ? arg : {}) as { folder?: string; object?: string; eventId?: string; timeoutMs?: number };
    const dir = folderUri(a.folder).fsPath;
    const language = languageOf(dir);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'retrain.config.json'), 'utf8')) as RetrainConfig;
    let object = a.object;
    if (!object && !a.folder) {
      object = await vscode.window.showInputBox({ title: 'A sample storage event', prompt: 'gs://BUCKET/OBJECT of a new object (it need not exist)', value: `gs://my-bucket/${config.prefix ?? ''}sample${config.suffix ?? ''}`, ignoreFocusOut: true, validateInput: (v) => (/^gs:\/\/[^/]+\/.+/.test(v) ? null : 'gs://BUCKET/OBJECT') });
      if (!object) return { ok: true, cancelled: true };
    }
    object ??= `gs://local-test-bucket/${config.prefix ?? ''}sample-${Date.now()}${config.suffix ?? ''}`;
    const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(object);
    if (!m) throw new UserError(`"${object}" is not gs://BUCKET/OBJECT.`);
    const endpoint = s.endpoints.active();
    if (!endpoint) throw new UserError('Add a KFP endpoint first: the local run starts its run there.');
    const port = await freePort();
    const host = new URL(endpoint.url);
    host.username = '';
    host.password = '';
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), RETRAIN_CONFIG: JSON.stringify({ kfpHost: host.toString().replace(/\/$/, '') }) };
    if (config.backend === 'vertex') {
      if (endpoint.kind !== 'vertex') throw new UserError('This function starts Vertex AI pipeline jobs: select a Vertex AI endpoint to test it against.');
      // Against the active endpoint's project and region (its API root when it has one, which gets no token);
      // on Google's hosts the local run gets your ADC token in VERTEX_AUTHORIZATION (the deployed one asks its metadata server).
      env.RETRAIN_CONFIG = JSON.stringify({ project: endpoint.project, region: endpoint.region, ...(endpoint.apiRoot ? { apiRoot: endpoint.apiRoot } : {}) });
      if (!endpoint.apiRoot) env.VERTEX_AUTHORIZATION = `Bearer ${(await new AdcTokenSource().accessToken()).token}`;
    }
    let child: ChildProcess;
    if (language === 'node') {
      // The framework installed for the function (npm install in its folder, or above it), found as Node would.
      let main: string | undefined;
      for (let d = dir; ; d = path.dirname(d)) {
        const pkgDir = path.join(d, 'node_modules', '@google-cloud', 'functions-framework');
        if (fs.existsSync(path.join(pkgDir, 'package.json'))) {
          const bin = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { bin?: Record<string, string> | string }).bin;
          main = path.join(pkgDir, typeof bin === 'string' ? bin : bin?.['functions-framework'] ?? 'build/src/main.js');
          break;
        }
        if (path.dirname(d) === d) break;
      }
      if (!main) throw new UserError(`The Functions Framework is not installed in ${vscode.workspace.asRelativePath(dir)}: run npm install there, then test again.`);
      child = spawn(process.execPath, [main, `--target=${ENTRY_POINT}`, '--signature-type=cloudevent', `--port=${port}`], { cwd: dir, env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    } else {
      const py = (await resolveInterpreter(vscode.Uri.file(dir))).path;
      child = spawn(py, ['-m', 'functions_framework', `--target=${ENTRY_POINT}`, `--port=${port}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    }
    const output: string[] = [];
    child.stdout?.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr?.on('data', (c: Buffer) => output.push(c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const id = a.eventId ?? `local-${Date.now()}`;
    try {
      let status: number | undefined;
      const deadline = Date.now() + (a.timeoutMs ?? 30_000);
      while (status === undefined && Date.now() < deadline) {
        if (child.exitCode !== null) break;
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': 'google.cloud.storage.object.v1.finalized', 'ce-source': `//storage.googleapis.com/projects/_/buckets/${m[1]}`, 'ce-subject': `objects/${m[2]}`, 'ce-id': id, 'ce-time': new Date().toISOString() },
            body: JSON.stringify({ bucket: m[1], name: m[2], generation: String(Date.now() * 1000), metageneration: '1', contentType: 'application/octet-stream', size: '0' }) });
          status = res.status;
        } catch { await new Promise((r) => setTimeout(r, 150)); }
      }
      const text = output.join('');
      if (status === undefined) {
        const why = language === 'python' && /No module named functions_framework/.test(text) ? 'the Python functions-framework is not installed for this interpreter: pip install -r requirements.txt' : `it did not start: ${text.split('\n').filter(Boolean).slice(-3).join(' ')}`;
        return { ok: false, error: `The function did not answer: ${why}`, output: text.slice(-4000) } as CommandResult;
      }
      const started = /started run (\S+) \((.*)\) with/.exec(text) ?? undefined;
      const skipped = /skipped: (.*)/.exec(text)?.[1];
      const duplicate = /already started for this event: run (\S+)/.exec(text)?.[1];
      const result = { ok: status >= 200 && status < 300, status, eventId: id, object, runId: started?.[1] ?? duplicate, runName: started?.[2], skipped, duplicate: Boolean(duplicate), output: text.slice(-4000) };
      log().info(`Local test of ${vscode.workspace.asRelativePath(dir)}: HTTP ${status}${started ? `, run ${started[1]}` : skipped ? `, skipped: ${skipped}` : ''}`);
      if (!a.folder && result.runId) void vscode.window.showInformationMessage(`The function started run "${result.runName}".`, 'Open Run').then((p) => { if (p) void vscode.commands.executeCommand('kfp.run.open', result.runId); });
      if (result.runId) s.explorer.refresh();
      return (result.ok ? { ...result, ok: true } : { ...result, ok: false, error: `The function answered HTTP ${status}: ${text.split('\n').filter(Boolean).slice(-3).join(' ')}` }) as CommandResult;
    } finally {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    }
  });

  register(s, 'kfp.retrain.deploy', async (arg?: unknown): Promise<CommandResult> => {
    trusted();
    const a = (arg && typeof arg === 'object' ? arg : {}) as { folder?: string; functionId?: string; bucket?: string; project?: string; region?: string; serviceAccount?: string; retry?: boolean };
    const dir = folderUri(a.folder).fsPath;
    const language = languageOf(dir);
    const { projectId, region } = where(a);
    const missing = missingRuntimeFiles(dir, RUNTIMES[language]);
    if (missing.length) throw new UserError(`${vscode.workspace.asRelativePath(dir)} lacks ${missing.join(' and ')}, which Cloud Functions needs.`);
    let bucket = a.bucket;
    if (!bucket) {
      bucket = await vscode.window.showInputBox({ title: 'The bucket whose new objects start runs', prompt: 'gs://BUCKET (in the same project; the trigger is in its region)', ignoreFocusOut: true, validateInput: (v) => (/^(gs:\/\/)?[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]\/?$/.test(v.trim()) ? null : 'A bucket name, e.g. gs://my-data') });
      if (!bucket) return { ok: true, cancelled: true };
    }
    const functionId = a.functionId ?? `retrain-${path.basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}`.slice(0, 63).replace(/-+$/, '');
    const { zip, files } = zipFunctionSource(dir);
    const client = functionsClient();
    const stages: string[] = [];
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Deploying ${functionId} to ${projectId}/${region}` }, (p) =>
      client.deploy({ projectId, region, functionId, runtime: RUNTIMES[language], entryPoint: ENTRY_POINT, zip, bucket: bucket!, serviceAccountEmail: a.serviceAccount, retry: a.retry !== false, description: 'Starts a Kubeflow Pipelines run when a new object lands (Kubeflow Pipelines for VS Code)' }, (t) => { stages.push(t); p.report({ message: t }); log().info(`${functionId}: ${t}`); }));
    view.refresh();
    void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasRetrain', true);
    if (!a.folder) void vscode.window.showInformationMessage(`${r.created ? 'Deployed' : 'Updated'} ${functionId}: new objects in ${bucket} now start runs.`);
    return { ok: true, created: r.created, name: r.fn.name, state: r.fn.state, trigger: r.fn.eventTrigger, files, stages };
  });

  register(s, 'kfp.retrain.list', async (arg?: unknown): Promise<CommandResult> => {
    const a = (arg && typeof arg === 'object' ? arg : {}) as { project?: string; region?: string };
    const { projectId, region } = where(a);
    const fns = await functionsClient().list(projectId, region);
    return { ok: true, functions: fns.map(summary) };
  });

  register(s, 'kfp.retrain.remove', async (arg?: unknown, opts?: unknown): Promise<CommandResult> => {
    const name = (arg as { fn?: FunctionResource })?.fn?.name ?? (arg as { name?: string })?.name;
    if (!name) throw new UserError('Pick a function in the Retrain Functions view, or pass {name: "projects/P/locations/R/functions/ID"}.');
    const skip = (opts as { skipConfirmation?: boolean } | undefined)?.skipConfirmation;
    if (!skip && (await vscode.window.showWarningMessage(`Delete the Cloud Function ${name.split('/').pop()}? New data will no longer start runs.`, { modal: true }, 'Delete')) !== 'Delete') return { ok: true, cancelled: true };
    await functionsClient().remove(name);
    view.refresh();
    return { ok: true, removed: name };
  });
}

/** The settings of a function that starts Vertex AI pipeline jobs: the template, its text parameter, the pipeline root. */
async function vertexConfig(s: Services, a: GenerateArgs): Promise<{ config: RetrainConfig; language: RetrainLanguage; scripted: boolean } | { cancelled: true }> {
  const e = s.endpoints.active()!;
  const v = await s.endpoints.getVertex();
  const scripted = Boolean(a.templateUri);
  let templateUri = a.templateUri;
  if (!templateUri) {
    if (!e.templateRepository) throw new UserError('The function runs a pipeline template: set "templateRepository" on the Vertex endpoint and upload the training pipeline as a template (Upload on a Vertex endpoint), or pass {templateUri}.');
    const repo = templateRepo(e.templateRepository, e.region!);
    const pkgs = await v.listPackages(repo);
    if (!pkgs.length) throw new UserError(`${e.templateRepository} has no template: upload the training pipeline as a template first.`);
    const pkg = await vscode.window.showQuickPick(pkgs.map((p) => ({ label: p.name?.split('/').pop() ?? '' })), { title: 'Retrain on new data: which pipeline template?', ignoreFocusOut: true });
    if (!pkg) return { cancelled: true };
    const tags = (await v.listTags(repo, pkg.label)).map((t) => t.name?.split('/').pop() ?? '').filter(Boolean);
    const versions = await v.listVersions(repo, pkg.label);
    const pick = await vscode.window.showQuickPick([
      ...tags.map((t) => ({ label: t, description: 'a tag: each run uses the version the tag points at when the data lands', ref: t })),
      ...versions.map((x) => ({ label: x.name?.split('/').pop()?.slice(0, 19) ?? '', description: `pinned version${x.relatedTags?.length ? ` (${x.relatedTags.map((t) => t.name?.split('/').pop()).join(', ')})` : ''}`, ref: x.name?.split('/').pop() ?? '' })),
    ], { title: 'Which version should each run use?', ignoreFocusOut: true });
    if (!pick) return { cancelled: true };
    templateUri = `${repo.url}/${pkg.label}/${pick.ref}`;
  }
  const m = /\/([^/]+)\/([^/]+)$/.exec(templateUri);
  if (!m || !e.templateRepository) throw new UserError(`"${templateUri}" does not name a template of the endpoint's repository (…/PACKAGE/TAG or …/PACKAGE/sha256:…).`);
  const spec = parsePipelineText((await v.downloadTemplate(templateRepo(e.templateRepository, e.region!), decodeURIComponent(m[1]), decodeURIComponent(m[2]))).toString('utf8'));
  const params = spec.kind === 'ir' ? pipelineParameters(spec).filter((d) => d.type === 'STRING') : [];
  let parameterName = a.parameterName;
  if (!parameterName) {
    if (scripted) throw new UserError(`Pass parameterName: the pipeline parameter that gets gs://BUCKET/OBJECT (its text parameters: ${params.map((p) => p.name).join(', ') || 'none'}).`);
    const pick = await vscode.window.showQuickPick(params.map((p) => ({ label: p.name, description: p.description })), { title: 'Which parameter gets the new object\'s gs:// path?', ignoreFocusOut: true });
    if (!pick) return { cancelled: true };
    parameterName = pick.label;
  } else if (!params.some((p) => p.name === parameterName)) {
    throw new UserError(`The template has no text parameter "${parameterName}" (it has: ${params.map((p) => p.name).join(', ') || 'none'}).`);
  }
  const pipelineRoot = e.pipelineRoot ?? (typeof spec.spec?.defaultPipelineRoot === 'string' ? spec.spec.defaultPipelineRoot : undefined);
  if (!pipelineRoot) throw new UserError('The runs need a pipeline root: set "pipelineRoot" on the Vertex endpoint (gs://BUCKET/PATH).');
  const ask = (title: string, value: string, prompt: string) => vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true });
  const prefix = a.prefix ?? (scripted ? '' : await ask('Only objects under this prefix', 'incoming/', 'e.g. incoming/ (empty: every object of the bucket)'));
  if (prefix === undefined) return { cancelled: true };
  const suffix = a.suffix ?? (scripted ? '' : await ask('Only objects ending with', '.csv', 'e.g. .csv (empty: any)'));
  if (suffix === undefined) return { cancelled: true };
  let language = a.language;
  if (!language) {
    if (scripted) language = 'node';
    else {
      const pick = await vscode.window.showQuickPick([{ label: 'Python', language: 'python' as const }, { label: 'Node.js', language: 'node' as const }], { title: 'Language of the function', ignoreFocusOut: true });
      if (!pick) return { cancelled: true };
      language = pick.language;
    }
  }
  const config: RetrainConfig = {
    backend: 'vertex', project: e.project, region: e.region, templateUri, pipelineRoot,
    ...(e.serviceAccount ? { serviceAccount: e.serviceAccount } : {}), ...(e.network ? { network: e.network } : {}), ...(e.labels ? { labels: e.labels } : {}),
    ...(e.apiRoot ? { apiRoot: e.apiRoot } : {}),
    parameterName, prefix, suffix, runNamePrefix: 'retrain',
  };
  return { config, language, scripted };
}

function where(a: { project?: string; region?: string }): { projectId: string; region: string } {
  const projectId = a.project ?? (cfg().get<string>('functions.project', '') || cfg().get<string>('cloudBuild.project', ''));
  if (!projectId) throw new UserError('Set kfp.functions.project (or kfp.cloudBuild.project) to the Google Cloud project of the function.');
  return { projectId, region: a.region ?? (cfg().get<string>('functions.region', 'us-central1') || 'us-central1') };
}

/** Google's API, or the root kfp.functions.apiRoot (else kfp.cloudBuild.apiRoot) names; ADC tokens only to Google's hosts. */
function functionsClient(): FunctionsClient {
  const root = (cfg().get<string>('functions.apiRoot', '') || cfg().get<string>('cloudBuild.apiRoot', '')).replace(/\/$/, '');
  const tokens = new AdcTokenSource();
  return new FunctionsClient(new NodeTransport(), root || FUNCTIONS_ROOT, async () => (await tokens.accessToken()).token, { pollMs: Number(process.env.KFP_FUNCTIONS_POLL_MS) || 1000 });
}

function summary(f: FunctionResource) {
  return { name: f.name, id: f.name?.split('/').pop(), state: f.state, runtime: f.buildConfig?.runtime, bucket: f.eventTrigger?.eventFilters?.find((x) => x.attribute === 'bucket')?.value, eventType: f.eventTrigger?.eventType, updateTime: f.updateTime, message: f.stateMessages?.map((m) => m.message).join(' ') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => { const srv = net.createServer(); srv.on('error', reject); srv.listen(0, '127.0.0.1', () => { const p = (srv.address() as { port: number }).port; srv.close(() => resolve(p)); }); });
}

type Node = { kind: 'fn'; fn: FunctionResource } | { kind: 'message'; label: string; tooltip?: string };

/** The deployed retrain functions of kfp.functions.project / region, with their trigger and state. */
export class RetrainFunctionsProvider implements vscode.TreeDataProvider<Node> {
  private readonly emitter = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  refresh(): void { this.emitter.fire(undefined); }
  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'message') { const i = new vscode.TreeItem(n.label); i.tooltip = n.tooltip; i.iconPath = new vscode.ThemeIcon('info'); return i; }
    const s = summary(n.fn);
    const i = new vscode.TreeItem(s.id ?? '?');
    i.description = `${s.state?.toLowerCase() ?? ''} · gs://${s.bucket ?? '?'}`;
    i.tooltip = [`${s.name}`, `State: ${s.state}`, `Runtime: ${s.runtime}`, `Trigger: ${s.eventType} on gs://${s.bucket}`, s.updateTime ? `Updated: ${new Date(s.updateTime).toLocaleString()}` : '', s.message ?? ''].filter(Boolean).join('\n');
    i.iconPath = new vscode.ThemeIcon(s.state === 'ACTIVE' ? 'zap' : s.state === 'FAILED' ? 'error' : 'loading~spin');
    i.contextValue = 'kfp.retrainFunction';
    return i;
  }
  async getChildren(n?: Node): Promise<Node[]> {
    if (n) return [];
    if (!cfg().get<string>('functions.project') && !cfg().get<string>('cloudBuild.project')) return [];
    try {
      const { projectId, region } = where({});
      const fns = await functionsClient().list(projectId, region);
      return fns.filter((f) => f.labels?.['deployment-tool'] === 'kfp-vscode' || f.eventTrigger?.eventType === 'google.cloud.storage.object.v1.finalized').map((fn) => ({ kind: 'fn', fn }));
    } catch (e) { return [{ kind: 'message', label: 'Cannot list the functions', tooltip: (e as Error).message }]; }
  }
}
