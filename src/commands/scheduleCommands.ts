// Recurring runs from the editor: create one from a pipeline, a version or a
// pipeline file (uploaded first), edit one (KFP has no update: the new one is made
// disabled, the old one deleted, then the new one enabled), with the schedule
// checked as KFP reads it and its next fire times shown before anything is made.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KfpClient } from '../core/kfp/client';
import type { JsonValue, RecurringRun } from '../core/kfp/types';
import { checkCron } from '../core/schedule/cron';
import { describeSchedule, formatFire, inputOf, nextFireTimes, RecurringInput, recurringBody, ScheduleError, ScheduleSpec, supportsLatestVersion, validateRecurring } from '../core/schedule/recurring';
import { isIrSpec } from '../core/graph/model';
import type { ParsedPipeline } from '../core/pipeline/spec';
import { Prepared, SubmitFlow, UserCancelled } from '../pipelines/submitFlow';
import { CommandResult, register, Services, toRef, UserError } from './common';
import { log } from '../logging';

/** What a script passes (everything optional when a person is asked). */
export interface ScheduleArgs {
  pipelineId?: string;
  versionId?: string;
  /** Always run the pipeline's latest version (KFP 2.5+). */
  latest?: boolean;
  /** A pipeline file: compiled and uploaded first, then scheduled on that version. */
  file?: string | vscode.Uri;
  function?: string;
  /** Ask what is not given, as from a code lens. */
  interactive?: boolean;
  name?: string;
  cron?: string;
  intervalSecond?: number;
  maxConcurrency?: number;
  catchup?: boolean;
  /** ISO times. */
  startTime?: string;
  endTime?: string;
  parameters?: Record<string, JsonValue>;
  experiment?: string;
  enabled?: boolean;
  /** Create without the confirmation (scripts always do). */
  skipConfirmation?: boolean;
}

const PRESETS: Array<{ label: string; schedule: ScheduleSpec; detail: string }> = [
  { label: 'Every day at 02:00', schedule: { cron: '0 0 2 * * *' }, detail: 'cron 0 0 2 * * * (in the scheduler\'s zone, UTC on a default install)' },
  { label: 'Every Monday at 06:00', schedule: { cron: '0 0 6 * * 1' }, detail: 'cron 0 0 6 * * 1' },
  { label: 'Every hour', schedule: { cron: '0 0 * * * *' }, detail: 'cron 0 0 * * * *' },
  { label: 'Every 6 hours from now', schedule: { intervalSecond: 21600 }, detail: 'an interval of 21600 s' },
];

/** A recurring run argument: a tree node, {kind: "recurringRun", id}, or {id}. */
function recurringIdOf(arg: unknown): string {
  const plain = arg as { id?: unknown } | undefined;
  return typeof plain?.id === 'string' && !('resource' in (arg as object)) ? plain.id : toRef(arg, ['recurringRun']).id;
}

export function registerScheduleCommands(s: Services, flow: SubmitFlow): void {
  const parse = (v?: string) => { if (!v) return undefined; const t = Date.parse(v); if (Number.isNaN(t)) throw new UserError(`"${v}" is not a time: use ISO 8601, e.g. 2026-12-01T02:00:00Z.`); return t; };

  /** Asks the schedule, showing KFP's reading of a cron and its next times as it is typed. */
  async function askSchedule(current?: ScheduleSpec): Promise<ScheduleSpec> {
    const items = [
      ...PRESETS.map((p) => ({ label: p.label, detail: p.detail, schedule: p.schedule as ScheduleSpec | undefined, pickKind: '' })),
      { label: '$(edit) Cron expression…', detail: 'KFP\'s cron: six fields, seconds first; or @daily, @every 6h', schedule: undefined, pickKind: 'cron' },
      { label: '$(watch) Interval…', detail: 'every N seconds, from the start time (or the creation)', schedule: undefined, pickKind: 'interval' },
    ];
    if (current) items.unshift({ label: `Keep: ${describeSchedule(current)}`, detail: 'the current schedule', schedule: current, pickKind: '' });
    const pick = await vscode.window.showQuickPick(items, { title: 'Schedule', ignoreFocusOut: true });
    if (!pick) throw new UserCancelled();
    if (pick.schedule) return pick.schedule;
    if (pick.pickKind === 'interval') {
      const v = await vscode.window.showInputBox({ title: 'Interval', prompt: 'Seconds between runs (3600 = hourly, 86400 = daily)', value: current && 'intervalSecond' in current ? String(current.intervalSecond) : '3600', ignoreFocusOut: true, validateInput: (x) => (/^\d+$/.test(x.trim()) && Number(x) >= 1 ? null : 'A whole number of seconds, at least 1') });
      if (!v) throw new UserCancelled();
      return { intervalSecond: Number(v.trim()) };
    }
    const v = await vscode.window.showInputBox({
      title: 'Cron (KFP: seconds minute hour day-of-month month day-of-week)', value: current && 'cron' in current ? current.cron : '0 0 2 * * *', ignoreFocusOut: true,
      validateInput: (x) => {
        const c = checkCron(x);
        if (!c.ok) return { message: `KFP refuses it: ${c.error}`, severity: vscode.InputBoxValidationSeverity.Error };
        const next = nextFireTimes({ cron: x }, { from: Date.now(), count: 3 }).map((t) => formatFire(t)).join(' · ');
        if (c.warning) return { message: `${c.warning} As written it fires: ${next}`, severity: vscode.InputBoxValidationSeverity.Warning };
        return { message: `Next: ${next}`, severity: vscode.InputBoxValidationSeverity.Info };
      },
    });
    if (!v) throw new UserCancelled();
    return { cron: v.trim() };
  }

  /** The version to schedule and the spec whose parameters to ask. */
  async function source(client: KfpClient, a: ScheduleArgs, interactive: boolean, arg: unknown): Promise<{ src: RecurringInput['source']; pipelineName: string; prepared?: Prepared }> {
    let pipelineId = a.pipelineId;
    let versionId = a.versionId;
    let latest = a.latest === true;
    if (a.file) {
      const up = await flow.upload({ file: a.file, function: a.function, interactive });
      if (up.cancelled) throw new UserCancelled();
      if (!up.ok) throw new UserError(`Could not upload ${a.file instanceof vscode.Uri ? vscode.workspace.asRelativePath(a.file) : a.file}: ${String(up.error ?? 'failed')}`);
      pipelineId = (up.pipeline as { pipeline_id: string }).pipeline_id;
      versionId = (up.version as { pipeline_version_id: string } | undefined)?.pipeline_version_id;
    } else if (!pipelineId) {
      const r = toRef(arg, ['pipeline', 'pipelineVersion']);
      pipelineId = r.kind === 'pipelineVersion' ? r.pipelineId! : r.id;
      if (r.kind === 'pipelineVersion') versionId = r.id;
    }
    if (!versionId && !latest && interactive) {
      const pick = await vscode.window.showQuickPick([
        { label: '$(arrow-up) Always the latest version', detail: 'each run uses the newest version uploaded by then (KFP 2.5 or later)', latest: true },
        { label: '$(pin) The newest version now', detail: 'pinned: later uploads do not change what runs', latest: false },
      ], { title: 'Which version should the runs use?', ignoreFocusOut: true });
      if (!pick) throw new UserCancelled();
      latest = pick.latest;
    }
    if (latest) {
      const info = client.serverInfo ?? await client.connect().catch(() => undefined);
      if (info?.apiVersion === 'v1beta1') throw new UserError('This KFP 1.x server cannot run "always the latest version": schedule a version (it is pinned); KFP 2.5 or later can.');
      if (!supportsLatestVersion(info?.version)) throw new UserError(`This KFP server (${info?.version}) cannot run "always the latest version": that needs KFP 2.5 or later. Schedule a version instead (it is pinned).`);
    }
    const vid = versionId ?? (await client.listPipelineVersions(pipelineId!, { pageSize: 1, sortBy: 'created_at desc' })).items[0]?.pipeline_version_id;
    if (!vid) throw new UserError('This pipeline has no version yet: upload one first.');
    const [pipeline, version] = await Promise.all([client.getPipeline(pipelineId!), client.getPipelineVersion(pipelineId!, vid)]);
    const spec = version.pipeline_spec;
    const parsed: ParsedPipeline = { kind: spec && isIrSpec(spec) ? 'ir' : spec ? 'argo' : 'unknown', spec, name: pipeline.display_name ?? pipelineId, problems: [] };
    const scope = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.sep);
    return { src: latest ? { pipelineId: pipelineId!, latest: true } : { pipelineId: pipelineId!, versionId: vid }, pipelineName: parsed.name ?? pipelineId!, prepared: parsed.kind === 'unknown' ? undefined : { file: scope, compiledFile: '', parsed, content: Buffer.alloc(0) } };
  }

  /** Shows the next fire times and asks before creating (people only). */
  async function confirm(i: RecurringInput, warnings: string[], verb: string): Promise<boolean> {
    const next = nextFireTimes(i.schedule, { from: Date.now(), start: i.startTime, end: i.endTime, count: 5 });
    const detail = [
      `Schedule: ${describeSchedule(i.schedule)}${i.catchup === false ? ', missed times skipped' : ', missed times run one by one'}; at most ${i.maxConcurrency ?? 1} at once.`,
      next.length ? `Next five times (your zone, and UTC, the zone of KFP's scheduler on a default install):\n${next.map((t) => `  ${formatFire(t)}`).join('\n')}` : 'It will never fire (the end time is before the next time).',
      ...warnings,
    ].join('\n\n');
    return (await vscode.window.showInformationMessage(`${verb} recurring run "${i.name}"?`, { modal: true, detail }, verb)) === verb;
  }

  const result = (r: RecurringRun, i: RecurringInput, warnings: string[]) => ({
    recurringRun: { recurring_run_id: r.recurring_run_id, display_name: r.display_name, status: r.status },
    schedule: describeSchedule(i.schedule), nextFireTimes: nextFireTimes(i.schedule, { from: Date.now(), start: i.startTime, end: i.endTime, count: 5 }).map((t) => new Date(t).toISOString()), warnings,
  });

  register(s, 'kfp.recurringRun.create', async (arg?: unknown): Promise<CommandResult> => {
    const plain = Boolean(arg && typeof arg === 'object' && !(arg instanceof vscode.Uri) && !('resource' in (arg as object)) && ('pipelineId' in (arg as object) || 'file' in (arg as object)));
    const a: ScheduleArgs = plain ? arg as ScheduleArgs : arg instanceof vscode.Uri ? { file: arg } : {};
    const scripted = plain && a.interactive !== true;
    if (s.endpoints.isVertex) {
      // A Vertex AI endpoint schedules with its own Schedule resource (five-field cron, time zone prefix).
      if (!plain && !(arg instanceof vscode.Uri)) throw new UserError('On a Vertex AI endpoint, schedule a pipeline file (the Schedule… lens, or {file}).');
      return vscode.commands.executeCommand<CommandResult>('kfp.vertex.schedule.create', {
        file: a.file, function: a.function, interactive: !scripted, name: a.name, cron: a.cron, parameters: a.parameters,
        startTime: a.startTime, endTime: a.endTime, maxConcurrentRunCount: a.maxConcurrency, skipConfirmation: a.skipConfirmation,
      });
    }
    const client = await s.endpoints.getClient();
    try {
      const { src, pipelineName, prepared } = await source(client, a, !scripted, arg);
      let schedule: ScheduleSpec | undefined = a.cron !== undefined ? { cron: a.cron } : a.intervalSecond !== undefined ? { intervalSecond: a.intervalSecond } : undefined;
      if (!schedule) {
        if (scripted) throw new UserError('Pass the schedule: {cron: "0 0 2 * * *"} (KFP\'s cron, seconds first) or {intervalSecond: 3600}.');
        schedule = await askSchedule();
      }
      let name = a.name;
      if (!name) {
        name = scripted ? `${pipelineName} ${describeSchedule(schedule)}` : await vscode.window.showInputBox({ title: 'Name of the recurring run', value: `${pipelineName} (${describeSchedule(schedule)})`, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? null : 'Give a name') });
        if (!name) throw new UserCancelled();
      }
      let catchup = a.catchup;
      if (catchup === undefined && !scripted) {
        const pick = await vscode.window.showQuickPick([
          { label: 'Run missed times one by one', detail: 'KFP\'s default: after a pause or a busy period, every missed time still runs', catchup: true },
          { label: 'Run only the latest missed time', detail: 'no backfill (no_catchup)', catchup: false },
        ], { title: 'When runs were missed (paused, or at max concurrency)', ignoreFocusOut: true });
        if (!pick) throw new UserCancelled();
        catchup = pick.catchup;
      }
      const parameters = prepared ? await flow.parameters(prepared, a.parameters, !scripted) : a.parameters;
      const scope = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.sep);
      const experiment = await flow.experiment(client, a.experiment, !scripted, false, scope);
      const input: RecurringInput = {
        name, source: src, schedule, parameters: parameters as Record<string, unknown> | undefined, experimentId: experiment.experiment_id,
        maxConcurrency: a.maxConcurrency ?? 1, catchup: catchup ?? true, startTime: parse(a.startTime), endTime: parse(a.endTime), enabled: a.enabled ?? true,
      };
      const { warnings } = validateRecurring(input);
      if (!scripted && !a.skipConfirmation && !await confirm(input, warnings, 'Create')) return { ok: true, cancelled: true };
      const made = await client.createRecurringRun(recurringBody(input));
      log().info(`Created recurring run ${made.recurring_run_id} (${name}): ${describeSchedule(schedule)}`);
      s.explorer.refresh();
      void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasSchedule', true);
      if (!scripted) void vscode.window.showInformationMessage(`Created recurring run "${name}" (${describeSchedule(schedule)}).`);
      return { ok: true, ...result(made, input, warnings), experiment: { experiment_id: experiment.experiment_id, display_name: experiment.display_name } };
    } catch (e) {
      if (e instanceof UserCancelled) return { ok: true, cancelled: true };
      if (e instanceof ScheduleError) throw new UserError(e.message);
      throw e;
    }
  });

  register(s, 'kfp.recurringRun.edit', async (arg?: unknown, changesArg?: unknown): Promise<CommandResult> => {
    const scripted = Boolean(changesArg && typeof changesArg === 'object') || Boolean(arg && typeof arg === 'object' && typeof (arg as { id?: unknown }).id === 'string' && !('kind' in (arg as object)));
    const id = recurringIdOf(arg);
    const changes = ((changesArg && typeof changesArg === 'object' ? changesArg : scripted ? arg : {}) ?? {}) as ScheduleArgs;
    const client = await s.endpoints.getClient();
    const old = await client.getRecurringRun(id);
    const input = inputOf(old);
    try {
      if (changes.cron !== undefined) input.schedule = { cron: changes.cron };
      else if (changes.intervalSecond !== undefined) input.schedule = { intervalSecond: changes.intervalSecond };
      else if (!scripted) input.schedule = await askSchedule(input.schedule);
      if (changes.name) input.name = changes.name;
      if (changes.maxConcurrency !== undefined) input.maxConcurrency = changes.maxConcurrency;
      if (changes.catchup !== undefined) input.catchup = changes.catchup;
      if (changes.parameters) input.parameters = { ...(input.parameters ?? {}), ...changes.parameters };
      if (changes.startTime !== undefined) input.startTime = parse(changes.startTime);
      if (changes.endTime !== undefined) input.endTime = parse(changes.endTime);
      const { warnings } = validateRecurring(input);
      if (!scripted && !await confirm(input, [...warnings, 'KFP cannot change a recurring run: a new one is created (disabled), this one deleted, then the new one enabled. Runs it started stay.'], 'Replace')) return { ok: true, cancelled: true };
      const wasEnabled = old.status === 'ENABLED';
      const made = await client.createRecurringRun(recurringBody({ ...input, enabled: false }));
      try { await client.deleteRecurringRun(id); } catch (e) {
        s.explorer.refresh();
        return { ok: false, error: `Created the new recurring run ${made.recurring_run_id} (disabled), but could not delete the old one ${id}: ${(e as Error).message}. Both exist now: delete the old one, then enable the new one.`, created: made.recurring_run_id } as CommandResult;
      }
      if (wasEnabled) await client.enableRecurringRun(made.recurring_run_id!);
      const now = await client.getRecurringRun(made.recurring_run_id!);
      s.explorer.refresh();
      return { ok: true, replaced: id, ...result(now, input, warnings) };
    } catch (e) {
      if (e instanceof UserCancelled) return { ok: true, cancelled: true };
      if (e instanceof ScheduleError) throw new UserError(e.message);
      throw e;
    }
  });

  register(s, 'kfp.recurringRun.runs', async (arg?: unknown): Promise<CommandResult> => {
    const id = recurringIdOf(arg);
    const client = await s.endpoints.getClient();
    const rr = await client.getRecurringRun(id);
    const runs = await client.listRuns({ pageSize: 50, sortBy: 'created_at desc', filter: { predicates: [{ key: 'recurring_run_id', operation: 'EQUALS', string_value: id }] }, experimentId: rr.experiment_id });
    const input = inputOf(rr);
    const last = runs.items[0]?.scheduled_at ? Date.parse(runs.items[0].scheduled_at) : undefined;
    return {
      ok: true, recurringRun: { recurring_run_id: id, display_name: rr.display_name, status: rr.status }, schedule: describeSchedule(input.schedule),
      nextFireTimes: rr.status === 'ENABLED' ? nextFireTimes(input.schedule, { from: Date.now(), last, start: input.startTime, end: input.endTime, count: 5 }).map((t) => new Date(t).toISOString()) : [],
      runs: runs.items.map((r) => ({ run_id: r.run_id, display_name: r.display_name, state: r.state, created_at: r.created_at, scheduled_at: r.scheduled_at })),
    };
  });
}
