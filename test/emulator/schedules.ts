// The ScheduledWorkflow controller of KFP, run on the emulator clock: which runs a
// recurring run starts, when, and under which name. Read from kubeflow/pipelines
// (backend/src/crd/controller/scheduledworkflow/…; ../shared/cd-reference.md B6, B7):
// - util/scheduled_workflow.go GetNextScheduledEpoch: nothing while disabled; nothing while the active runs
//   reach max_concurrency; else the next scheduled time, submitted once it is not in the future;
//   UpdateStatus: a submission sets LastTriggeredTime to the *scheduled* time and LastIndex + 1;
// - util/cron_schedule.go: the baseline is LastTriggeredTime, else start_time, else the creation time; the next
//   time is Next(max(baseline, start_time)); past end_time there is none; with catch-up every missed time is
//   submitted one by one; without, only the last one due by now (the others skipped);
// - util/periodic_schedule.go: the next time is baseline + interval (start_time itself first when it is later
//   than the baseline); without catch-up, when a whole interval more has passed, "now" (or end_time) instead;
// - NextResourceName: `{swfName}-{index}-{fnv32a("{swfName}-{index}")}`; the SWF's name is the display name
//   lowercased with everything outside [a-z0-9-] dropped, cut to 25 characters (template.go
//   toSWFCRDResourceGeneratedName; "job-" when empty), completed by Kubernetes' generateName suffix
//   (5 characters of apimachinery's rand.String alphabet "bcdfghjklmnpqrstvwxz2456789");
// - the "latest version" source (a pipeline_version_reference without a version, KFP 2.5+) runs the pipeline's
//   newest version at each submission (job_server.go; resource_manager.go CreateJob).
// The controller runs continuously; here it is replayed up to the clock each time the emulator answers, which
// gives the same submissions as long as enable/disable are applied at the time they happen (the server catches
// up before each of them).
// Cron expressions are read with the extension's port of robfig/cron v1.2.0 (src/core/schedule/cron.ts),
// which is tested against robfig's own test cases; the controller's logic here is written apart from the
// extension's.
import { nextAfter, parseCron } from '../../src/core/schedule/cron';
import { fnv1a32 } from './argo';
import * as m from './model';

export interface ScheduleState { lastTriggered?: number; lastIndex: number; swfName: string; checkedUntil?: number }

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The ScheduledWorkflow's name for a display name (template.go + Kubernetes generateName). */
export function swfName(displayName: string, random: () => number = Math.random): string {
  let base = displayName.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 25);
  if (!base) base = 'job-';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  return `${base}${suffix}`;
}

export function runName(swf: string, index: number): string {
  const id = `${swf}-${index}`;
  return `${id}-${fnv1a32(id)}`;
}

/** The next scheduled time (ms) by the controller's rules, or undefined for none; `now` only matters without catch-up. */
export function nextScheduled(r: m.RecurringRec, st: ScheduleState, now: number): number | undefined {
  const created = Math.floor(r.createdAt / 1000) * 1000;
  const start = r.startTime, end = r.endTime;
  const catchup = !r.noCatchup;
  if (r.trigger.intervalSecond !== undefined) {
    const interval = (r.trigger.intervalSecond || 1) * 1000;
    const baseline = st.lastTriggered ?? start ?? created;
    let next: number;
    if (start !== undefined && start > baseline) next = start;
    else {
      next = baseline + interval;
      if (end !== undefined && end < next) return undefined;
    }
    if (catchup) return next;
    if (now >= next + interval) return end !== undefined && end < now ? end : now;
    return next;
  }
  const cron = parseCron(r.trigger.cron ?? '');
  const baseline = st.lastTriggered ?? start ?? created;
  const from = start !== undefined && start > baseline ? start : baseline;
  const first = nextAfter(cron, from);
  if (first === undefined || (end !== undefined && end < first)) return undefined;
  if (catchup) return first;
  let next = first;
  for (;;) {
    const after = nextAfter(cron, next);
    if (after !== undefined && after <= now && (end === undefined || after <= end)) next = after; else break;
  }
  return next;
}

export interface Submission { at: number; scheduledAt: number; name: string; index: number }

/**
 * Replays the controller from where it last stopped to `now`: each submission is made at the first moment
 * the controller would make it (the scheduled time, or when a run ends and frees a concurrency slot).
 * `active(t)` counts this recurring run's runs not finished at t; `freeAt(t)` is the next time one of them ends.
 */
export function replay(r: m.RecurringRec, st: ScheduleState, now: number, active: (t: number) => number, freeAt: (t: number) => number | undefined, submit: (s: Submission) => void): void {
  if (!r.enabled) { st.checkedUntil = now; return; }
  // The controller is not looking at a disabled recurring run: after enabling, it resumes from that moment.
  let t = st.checkedUntil ?? r.createdAt;
  for (let guard = 0; guard < 10_000 && t <= now; guard++) {
    let due = nextScheduled(r, st, t);
    if (due === undefined) break;
    if (due > t) {
      if (due > now) break;
      t = due;
      due = nextScheduled(r, st, t);
      if (due === undefined || due > t) continue;
    }
    if (active(t) >= r.maxConcurrency) {
      const free = freeAt(t);
      if (free === undefined || free > now) break;
      t = free;
      continue;
    }
    const index = st.lastIndex + 1;
    submit({ at: t, scheduledAt: due, name: runName(st.swfName, index), index });
    st.lastTriggered = due;
    st.lastIndex = index;
  }
  st.checkedUntil = now;
}
