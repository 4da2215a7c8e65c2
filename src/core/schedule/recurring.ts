// Recurring runs as the editor creates and shows them: the request body (the
// fields of backend/api/v2beta1/recurring_run.proto; ../shared/cd-reference.md B6),
// what to check before sending it, the next fire times, and "edit" (KFP has no
// update: a new one is made first, then the old one deleted).
import type { JsonObject, RecurringRun, Filter } from '../kfp/types';
import { checkCron, fireTimes, parseCron, Zone } from './cron';

export type ScheduleSpec = { cron: string } | { intervalSecond: number };

export interface RecurringInput {
  name: string;
  description?: string;
  experimentId?: string;
  /** A pinned version, "the latest version" of a pipeline (KFP 2.5+), or an inline spec. */
  source: { pipelineId: string; versionId: string } | { pipelineId: string; latest: true } | { spec: JsonObject };
  parameters?: Record<string, unknown>;
  schedule: ScheduleSpec;
  /** ISO times or ms. */
  startTime?: number;
  endTime?: number;
  maxConcurrency?: number;
  /** Run missed times one by one (KFP's default) or only the last one due. */
  catchup?: boolean;
  enabled?: boolean;
  serviceAccount?: string;
  pipelineRoot?: string;
}

export class ScheduleError extends Error {}

/** Checks what KFP would refuse (api_converter.go toModelJob), with the fix, before anything is sent. */
export function validateRecurring(i: RecurringInput): { warnings: string[] } {
  const warnings: string[] = [];
  if (!i.name.trim()) throw new ScheduleError('A recurring run needs a name.');
  const maxC = i.maxConcurrency ?? 1;
  if (!Number.isInteger(maxC) || maxC < 1 || maxC > 10) throw new ScheduleError(`Max concurrency must be a whole number from 1 to 10 (KFP's limit), not ${maxC}.`);
  if ('cron' in i.schedule) {
    const c = checkCron(i.schedule.cron);
    if (!c.ok) throw new ScheduleError(`"${i.schedule.cron}" is not a cron KFP accepts: ${c.error}. KFP's cron has six fields, seconds first (e.g. "0 0 2 * * *" every day at 02:00), or @daily, @every 6h.`);
    if (c.warning) warnings.push(c.warning);
  } else if (!Number.isInteger(i.schedule.intervalSecond) || i.schedule.intervalSecond < 1) {
    throw new ScheduleError(`The interval must be a whole number of seconds, at least 1, not ${i.schedule.intervalSecond}.`);
  }
  if (i.startTime !== undefined && i.endTime !== undefined && i.endTime <= i.startTime) throw new ScheduleError('The end time must be after the start time.');
  if (i.endTime !== undefined && i.endTime < Date.now()) warnings.push('The end time is in the past: the recurring run will start no runs.');
  return { warnings };
}

/** The v2beta1 RecurringRun body. */
export function recurringBody(i: RecurringInput): RecurringRun {
  const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const times = { ...(i.startTime !== undefined ? { start_time: iso(i.startTime) } : {}), ...(i.endTime !== undefined ? { end_time: iso(i.endTime) } : {}) };
  const body: RecurringRun = {
    display_name: i.name,
    ...(i.description ? { description: i.description } : {}),
    ...(i.experimentId ? { experiment_id: i.experimentId } : {}),
    ...('spec' in i.source ? { pipeline_spec: i.source.spec } : 'latest' in i.source ? { pipeline_version_reference: { pipeline_id: i.source.pipelineId } } : { pipeline_version_reference: { pipeline_id: i.source.pipelineId, pipeline_version_id: i.source.versionId } }),
    ...(i.parameters || i.pipelineRoot ? { runtime_config: { ...(i.parameters ? { parameters: i.parameters as JsonObject } : {}), ...(i.pipelineRoot ? { pipeline_root: i.pipelineRoot } : {}) } } : {}),
    ...(i.serviceAccount ? { service_account: i.serviceAccount } : {}),
    max_concurrency: String(i.maxConcurrency ?? 1),
    trigger: 'cron' in i.schedule ? { cron_schedule: { cron: i.schedule.cron.trim(), ...times } } : { periodic_schedule: { interval_second: String(i.schedule.intervalSecond), ...times } },
    // An absent mode creates it disabled (toModelJobEnabled): always said.
    mode: i.enabled === false ? 'DISABLE' : 'ENABLE',
    no_catchup: i.catchup === false,
  };
  return body;
}

/** The input that recreates an existing recurring run, with changes (for edit). */
export function inputOf(r: RecurringRun): RecurringInput {
  const cron = r.trigger?.cron_schedule;
  const per = r.trigger?.periodic_schedule;
  const sched = cron ?? per;
  const ms = (v?: string) => (v && !v.startsWith('1970-01-01') ? Date.parse(v) : undefined);
  const ref = r.pipeline_version_reference;
  return {
    name: r.display_name ?? '', description: r.description, experimentId: r.experiment_id,
    source: r.pipeline_spec ? { spec: r.pipeline_spec } : ref?.pipeline_version_id ? { pipelineId: ref.pipeline_id ?? '', versionId: ref.pipeline_version_id } : { pipelineId: ref?.pipeline_id ?? '', latest: true },
    parameters: r.runtime_config?.parameters as Record<string, unknown> | undefined, pipelineRoot: r.runtime_config?.pipeline_root,
    schedule: cron?.cron ? { cron: cron.cron } : { intervalSecond: Number(per?.interval_second ?? 3600) },
    startTime: ms(sched?.start_time), endTime: ms(sched?.end_time),
    maxConcurrency: Number(r.max_concurrency ?? 1) || 1, catchup: !r.no_catchup, enabled: r.status === 'ENABLED', serviceAccount: r.service_account,
  };
}

/**
 * The next fire times after `from`, by the controller's rules (cron_schedule.go, periodic_schedule.go): from
 * the last scheduled time (else the start time, else now), never before the start, never after the end.
 */
export function nextFireTimes(schedule: ScheduleSpec, o: { from: number; last?: number; start?: number; end?: number; count?: number; zone?: Zone }): number[] {
  const count = o.count ?? 5;
  if ('cron' in schedule) {
    const s = parseCron(schedule.cron.trim());
    const base = Math.max(o.last ?? o.from, o.start ?? -Infinity, o.from);
    return fireTimes(s, base, count, o.zone ?? 'UTC', o.end);
  }
  const step = schedule.intervalSecond * 1000;
  const out: number[] = [];
  let t = o.start !== undefined && o.start > (o.last ?? o.from) ? o.start : (o.last ?? o.from) + step;
  while (t < o.from) t += step;
  for (; out.length < count && (o.end === undefined || t <= o.end); t += step) out.push(t);
  return out;
}

/** Whether a server of this version takes "always the latest version" (KFP 2.5.0, kubeflow/pipelines #11560). Unknown versions are given the benefit. */
export function supportsLatestVersion(serverVersion: string | undefined): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(serverVersion ?? '');
  if (!m) return true;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > 2 || (maj === 2 && min >= 5);
}

/** The runs a recurring run started (v2beta1 filter key recurring_run_id, run.go runAPIToModelFieldMap). */
export function runsOfFilter(recurringRunId: string): Filter {
  return { predicates: [{ key: 'recurring_run_id', operation: 'EQUALS', string_value: recurringRunId }] };
}

/** "every 6 h", "cron 0 0 2 * * *". */
export function describeSchedule(s: ScheduleSpec): string {
  if ('cron' in s) return `cron ${s.cron}`;
  const e = s.intervalSecond;
  return e % 86400 === 0 ? `every ${e / 86400} d` : e % 3600 === 0 ? `every ${e / 3600} h` : e % 60 === 0 ? `every ${e / 60} min` : `every ${e} s`;
}

/** A time in the user's zone and in UTC, for previews: "Thu 27 Nov 03:00 (02:00 UTC)". */
export function formatFire(ms: number, locale?: string): string {
  const d = new Date(ms);
  const local = d.toLocaleString(locale, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: d.getSeconds() ? '2-digit' : undefined });
  const utc = d.toISOString().slice(0, 16).replace('T', ' ');
  return `${local} (${utc} UTC)`;
}
