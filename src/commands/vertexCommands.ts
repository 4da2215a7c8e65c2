// Commands of a Vertex AI Pipelines endpoint: schedules (create from a pipeline
// file, pause, resume with or without catch-up, delete, open in the console),
// templates (upload a version with tags, run a version or tag), and the resource
// name of a run or schedule. Runs themselves use the run commands (open, cancel,
// delete, clone), which act on Vertex when the endpoint is Vertex.
import * as vscode from 'vscode';
import type { JsonObject, JsonValue } from '../core/kfp/types';
import { consoleScheduleUrl, isVertexRun, JobInputError, pipelineJobBody } from '../core/vertex/runs';
import { readVertexCron, vertexFireTimes, VertexScheduleError, vertexScheduleBody } from '../core/vertex/schedule';
import { SubmitFlow, UserCancelled } from '../pipelines/submitFlow';
import type { VertexSubmit } from '../pipelines/vertexSubmit';
import { RunNode } from '../tree/runNode';
import { VertexScheduleNode, VertexTemplateNode, VertexTemplateVersionNode } from '../tree/vertexNodes';
import { cancelled, CommandResult, register, scriptOptions, Services, UserError } from './common';

export interface VertexScheduleArgs {
  file?: string | vscode.Uri;
  function?: string;
  interactive?: boolean;
  name?: string;
  cron?: string;
  timeZone?: string;
  maxConcurrentRunCount?: number;
  maxRunCount?: number;
  startTime?: string;
  endTime?: string;
  parameters?: Record<string, JsonValue>;
  skipConfirmation?: boolean;
}

const PRESETS = [
  { label: 'Every day at 03:00', cron: '0 3 * * *' },
  { label: 'Every Monday at 06:00', cron: '0 6 * * 1' },
  { label: 'Every hour', cron: '0 * * * *' },
];

function scheduleIdOf(arg: unknown): string {
  if (arg instanceof VertexScheduleNode) return arg.scheduleId;
  const a = arg as { id?: unknown; name?: unknown } | undefined;
  if (typeof a?.id === 'string' && a.id) return a.id.split('/').pop()!;
  if (typeof a?.name === 'string' && a.name) return a.name.split('/').pop()!;
  throw new UserError('Select a schedule in the Kubeflow Pipelines view, or pass {id}.');
}

export function registerVertexCommands(s: Services, flow: SubmitFlow, vsubmit: VertexSubmit): void {
  const fmt = (t: number, zone: string) => new Date(t).toLocaleString(undefined, { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });

  register(s, 'kfp.vertex.schedule.create', async (arg?: unknown) => {
    const a: VertexScheduleArgs = arg instanceof vscode.Uri ? { file: arg, interactive: true } : (arg && typeof arg === 'object' ? arg as VertexScheduleArgs : { interactive: true });
    const interactive = a.interactive ?? false;
    const e = s.endpoints.active();
    if (!e || e.kind !== 'vertex') throw new UserError('Select a Vertex AI endpoint first ("Kubeflow Pipelines: Select Endpoint").');
    const v = await s.endpoints.getVertex();
    const { file, args } = SubmitFlow.target(a.file ? { file: a.file, function: a.function } : undefined);
    try {
      const p = await flow.prepare(file, args, interactive);
      if ('error' in p) return { ok: false, error: p.error, kind: p.kind, cancelled: p.cancelled };
      if (p.parsed.kind !== 'ir' || !p.parsed.spec) return { ok: false, error: 'Vertex AI schedules run KFP v2 pipelines; this is a KFP v1 (Argo) pipeline.' };
      let cron = a.cron;
      if (!cron) {
        if (!interactive) throw new UserError('Pass {cron} (five fields, e.g. "0 3 * * *"; prefix "TZ=Europe/Paris " for a zone).');
        const pick = await vscode.window.showQuickPick([...PRESETS.map((x) => ({ label: x.label, description: x.cron, cron: x.cron })), { label: '$(edit) Custom cron…', description: '', cron: '' }], { title: `Schedule ${p.parsed.name} on Vertex AI: when?`, ignoreFocusOut: true });
        if (!pick) return cancelled();
        cron = pick.cron;
        if (!cron) {
          const typed = await vscode.window.showInputBox({
            title: 'Cron (minute hour day-of-month month day-of-week)', prompt: 'e.g. 30 2 * * 1-5; prefix TZ=Europe/Paris for a time zone (else UTC)', ignoreFocusOut: true,
            validateInput: (x) => { try { const z = readVertexCron(x, a.timeZone).zone; const n = vertexFireTimes(x, Date.now(), 2, a.timeZone); return { message: `Next: ${n.map((t) => fmt(t, z)).join(', ')} (${z})`, severity: vscode.InputBoxValidationSeverity.Info }; } catch (err) { return (err as Error).message; } },
          });
          if (!typed) return cancelled();
          cron = typed;
        }
      }
      const parameters = await flow.parameters(p, a.parameters, interactive);
      const name = a.name ?? (interactive ? await vscode.window.showInputBox({ title: 'Schedule name', value: `${p.parsed.name} schedule`, ignoreFocusOut: true, validateInput: (x) => (x.trim() ? null : 'Give a name') }) : `${p.parsed.name} schedule`);
      if (!name) return cancelled();
      const job = pipelineJobBody({ spec: p.parsed.spec as JsonObject, displayName: p.parsed.name, parameters, pipelineRoot: e.pipelineRoot, serviceAccount: e.serviceAccount, network: e.network, labels: e.labels });
      const body = vertexScheduleBody(v.parent, job, { displayName: name, cron, timeZone: a.timeZone, maxConcurrentRunCount: a.maxConcurrentRunCount, maxRunCount: a.maxRunCount, startTime: a.startTime, endTime: a.endTime });
      const zone = readVertexCron(cron, a.timeZone).zone;
      const next = vertexFireTimes(body.cron!, Math.max(Date.now(), a.startTime ? Date.parse(a.startTime) : 0), 5);
      if (interactive && !a.skipConfirmation) {
        const ok = await vscode.window.showInformationMessage(`Create the schedule "${name}" (${body.cron})?`, { modal: true, detail: `Next runs (${zone}):\n${next.map((t) => fmt(t, zone)).join('\n')}\n\nEach run uses the pipeline as compiled now, with pipeline root ${job.runtimeConfig?.gcsOutputDirectory}.` }, 'Create');
        if (ok !== 'Create') return cancelled();
      }
      const created = await v.createSchedule(body);
      s.explorer.refresh();
      const id = created.name?.split('/').pop() ?? '';
      return { ok: true, backend: 'vertex', schedule: { id, name: created.name, displayName: created.displayName, cron: created.cron, state: created.state, nextRunTime: created.nextRunTime }, next: next.map((t) => new Date(t).toISOString()), consoleUrl: consoleScheduleUrl(e.project!, e.region!, id) };
    } catch (err) {
      if (err instanceof UserCancelled) return cancelled();
      if (err instanceof VertexScheduleError || err instanceof JobInputError) throw new UserError(err.message);
      throw err;
    }
  });

  register(s, 'kfp.vertex.schedule.pause', async (arg?: unknown) => {
    const id = scheduleIdOf(arg);
    const v = await s.endpoints.getVertex();
    await v.pauseSchedule(id);
    s.explorer.refresh();
    return { ok: true, id, state: (await v.getSchedule(id)).state };
  });

  register(s, 'kfp.vertex.schedule.resume', async (...args: unknown[]) => {
    const id = scheduleIdOf(args[0]);
    let catchUp = (args[0] as { catchUp?: unknown })?.catchUp;
    if (typeof catchUp !== 'boolean') {
      const pick = await vscode.window.showQuickPick([
        { label: 'Resume from now', description: 'runs missed while paused are skipped', catchUp: false },
        { label: 'Resume and catch up', description: 'runs missed while paused are started first', catchUp: true },
      ], { title: 'Resume the schedule' });
      if (!pick) return cancelled();
      catchUp = pick.catchUp;
    }
    const v = await s.endpoints.getVertex();
    await v.resumeSchedule(id, catchUp as boolean);
    s.explorer.refresh();
    return { ok: true, id, catchUp, state: (await v.getSchedule(id)).state };
  });

  register(s, 'kfp.vertex.schedule.delete', async (...args: unknown[]) => {
    const id = scheduleIdOf(args[0]);
    if (!scriptOptions(args).skipConfirmation && !(args[0] as { skipConfirmation?: boolean })?.skipConfirmation) {
      const ok = await vscode.window.showWarningMessage('Delete this schedule? Runs it started stay.', { modal: true }, 'Delete');
      if (ok !== 'Delete') return cancelled();
    }
    await (await s.endpoints.getVertex()).deleteSchedule(id);
    s.explorer.refresh();
    return { ok: true, deleted: id };
  });

  register(s, 'kfp.vertex.schedule.openInBrowser', async (...args: unknown[]) => {
    const id = scheduleIdOf(args[0]);
    const e = s.endpoints.active();
    if (!e || e.kind !== 'vertex') throw new UserError('The active endpoint is not a Vertex AI endpoint.');
    const url = consoleScheduleUrl(e.project!, e.region!, id);
    if (scriptOptions(args).open !== false) await vscode.env.openExternal(vscode.Uri.parse(url));
    return { ok: true, url };
  });

  register(s, 'kfp.vertex.filterRuns', async (arg?: unknown) => {
    const STATES = ['QUEUED', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLING', 'CANCELLED', 'PAUSED'];
    let f: { state?: string; labels?: Record<string, string> };
    if (arg && typeof arg === 'object') {
      f = arg as typeof f;
      if (f.state && !STATES.includes(f.state.replace(/^PIPELINE_STATE_/, ''))) throw new UserError(`state is one of ${STATES.join(', ')}.`);
      for (const [k, v] of Object.entries(f.labels ?? {})) if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || typeof v !== 'string') throw new UserError(`"${k}" is not a label key (lowercase letters, digits, _ and -).`);
    } else {
      const pick = await vscode.window.showQuickPick([{ label: 'Any state', state: undefined as string | undefined }, ...STATES.map((x) => ({ label: x.charAt(0) + x.slice(1).toLowerCase(), state: x }))], { title: 'Filter Vertex runs (1/2): state' });
      if (!pick) return cancelled();
      const typed = await vscode.window.showInputBox({ title: 'Filter Vertex runs (2/2): labels', prompt: 'key=value pairs, comma-separated (empty: any labels)', ignoreFocusOut: true,
        validateInput: (t) => (t.trim() && !t.split(',').every((p) => /^\s*[a-z][a-z0-9_-]{0,62}\s*=\s*[a-z0-9_-]{0,63}\s*$/.test(p)) ? 'Give key=value pairs of lowercase letters, digits, _ and -' : null) });
      if (typed === undefined) return cancelled();
      const labels = Object.fromEntries(typed.split(',').map((p) => p.split('=').map((x) => x.trim())).filter((p) => p[0]));
      f = { state: pick.state, labels: Object.keys(labels).length ? labels : undefined };
    }
    s.explorer.setVertexFilter({ state: f.state, labels: f.labels });
    return { ok: true, filter: s.explorer.vertexRunFilter };
  });

  register(s, 'kfp.vertex.copyResourceName', async (arg?: unknown) => {
    let name: string | undefined;
    if (arg instanceof RunNode && isVertexRun(arg.run)) name = arg.run.vertex.name;
    else if (arg instanceof VertexScheduleNode) name = arg.schedule.name;
    else if (arg instanceof VertexTemplateVersionNode) name = arg.version.name;
    else if (arg && typeof arg === 'object' && typeof (arg as { runId?: unknown }).runId === 'string') name = (await s.endpoints.getVertex()).jobName((arg as { runId: string }).runId);
    if (!name) throw new UserError('Select a Vertex AI run, schedule or template version, or pass {runId}.');
    await vscode.env.clipboard.writeText(name);
    vscode.window.setStatusBarMessage(`Copied ${name}`, 3000);
    return { ok: true, name };
  });

  register(s, 'kfp.vertex.template.upload', async (arg?: unknown) => {
    try {
      const r = await vsubmit.uploadTemplate(arg);
      if (r.ok) { s.explorer.refresh(); if (!(arg && typeof arg === 'object' && !(arg instanceof vscode.Uri))) void vscode.window.showInformationMessage(`Uploaded template ${String(r.package)} (${(r.tags as string[]).join(', ') || String(r.version).slice(0, 19)}).`); }
      return r as CommandResult;
    } catch (err) { if (err instanceof UserCancelled) return cancelled(); throw err; }
  });

  register(s, 'kfp.vertex.template.run', async (arg?: unknown) => {
    let a: { package: string; version?: string; tag?: string; parameters?: Record<string, JsonValue>; runName?: string; interactive: boolean; openRun?: boolean };
    if (arg instanceof VertexTemplateVersionNode) a = { package: arg.packageName, version: arg.versionId, interactive: true };
    else if (arg instanceof VertexTemplateNode) a = { package: arg.packageName, tag: 'latest', interactive: true };
    else if (arg && typeof arg === 'object' && typeof (arg as { package?: unknown }).package === 'string') a = { interactive: false, ...(arg as { package: string }) };
    else throw new UserError('Select a template version in the Kubeflow Pipelines view, or pass {package, version | tag}.');
    try {
      const r = await vsubmit.runTemplate(a);
      if (r.ok) {
        s.explorer.refresh();
        if (a.interactive && a.openRun !== false) await vscode.commands.executeCommand('kfp.run.open', (r.run as { run_id: string }).run_id);
      }
      return r as CommandResult;
    } catch (err) { if (err instanceof UserCancelled) return cancelled(); throw err; }
  });
}
