// Vertex AI schedules (schedule.proto): a five-field cron (minute hour day month
// weekday) with an optional "CRON_TZ=Zone " or "TZ=Zone " prefix naming an IANA
// time zone (UTC when absent), max concurrent runs (required), max runs, start
// and end. The preview of the next fire times reads the fields as robfig/cron
// reads standard cron (names such as MON and JAN, ranges, steps), which is
// this extension's reading; Vertex's own parser is not public.
import { CronError, fireTimes, parseCron } from '../schedule/cron';
import type { PipelineJob, Schedule } from './types';

export interface VertexScheduleInput {
  displayName: string;
  cron: string;
  /** IANA zone; ignored when the cron has its own prefix. */
  timeZone?: string;
  maxConcurrentRunCount?: number;
  maxRunCount?: number;
  startTime?: string;
  endTime?: string;
  allowQueueing?: boolean;
}

export class VertexScheduleError extends Error {}

/** Offset (ms) of `zone` from UTC at the instant `t`. */
function zoneOffset(zone: string, t: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t));
  const g = (k: string) => Number(parts.find((p) => p.type === k)?.value);
  return Date.UTC(g('year'), g('month') - 1, g('day'), g('hour'), g('minute'), g('second')) - Math.floor(t / 1000) * 1000;
}

export function validZone(zone: string): boolean {
  try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); return true; } catch { return false; }
}

/** The cron and its zone, split; throws with what is wrong. */
export function readVertexCron(expr: string, timeZone?: string): { cron: string; zone: string; text: string } {
  const m = /^\s*(?:(?:CRON_TZ|TZ)=(\S+)\s+)?(.*?)\s*$/.exec(expr) ?? [];
  const zone = m[1] ?? timeZone ?? 'UTC';
  const cron = m[2] ?? '';
  if (!validZone(zone)) throw new VertexScheduleError(`"${zone}" is not an IANA time zone (e.g. UTC, Europe/Paris, America/New_York).`);
  const fields = cron.split(/\s+/).filter(Boolean);
  if (cron.startsWith('@')) throw new VertexScheduleError('Give five cron fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *" for 03:00 every day.');
  if (fields.length !== 5) throw new VertexScheduleError(`A Vertex AI schedule takes five cron fields (minute hour day-of-month month day-of-week); "${cron}" has ${fields.length}.${fields.length === 6 ? ' KFP\'s six-field form starts with seconds: drop the first field.' : ''}`);
  try { parseCron(`0 ${fields.join(' ')}`); } catch (e) { throw new VertexScheduleError(`Cannot read the cron "${cron}": ${(e as CronError).message}`); }
  return { cron: fields.join(' '), zone, text: zone === 'UTC' && !m[1] ? fields.join(' ') : `TZ=${zone} ${fields.join(' ')}` };
}

/** The next `count` fire times (ms) after `from`, in the schedule's zone. */
export function vertexFireTimes(expr: string, from: number, count = 5, timeZone?: string): number[] {
  const { cron, zone } = readVertexCron(expr, timeZone);
  const s = parseCron(`0 ${cron}`);
  const out: number[] = [];
  // The fields are wall-clock times in the zone: found on a UTC calendar shifted by the zone's offset, then shifted back.
  let wall = from + zoneOffset(zone, from);
  for (let guard = 0; out.length < count && guard < count * 4; guard++) {
    const [w] = fireTimes(s, wall, 1, 'UTC');
    if (w === undefined) break;
    const t = w - zoneOffset(zone, w - zoneOffset(zone, w));
    if (t > from && !out.includes(t)) out.push(t);
    wall = w;
  }
  return out;
}

/** The Schedule body of a pipeline job request (schedule.proto; SDK default max concurrent runs 1). */
export function vertexScheduleBody(parent: string, job: PipelineJob, i: VertexScheduleInput): Schedule {
  const { text } = readVertexCron(i.cron, i.timeZone);
  if (!i.displayName.trim()) throw new VertexScheduleError('A schedule needs a name.');
  if (i.displayName.length > 128) throw new VertexScheduleError('A schedule name has at most 128 characters.');
  const conc = i.maxConcurrentRunCount ?? 1;
  if (!Number.isInteger(conc) || conc < 1) throw new VertexScheduleError('Max concurrent runs must be a whole number from 1.');
  if (i.maxRunCount !== undefined && (!Number.isInteger(i.maxRunCount) || i.maxRunCount < 1)) throw new VertexScheduleError('Max runs must be a whole number from 1 (or left out for no limit).');
  for (const [k, v] of [['startTime', i.startTime], ['endTime', i.endTime]] as const) if (v !== undefined && Number.isNaN(Date.parse(v))) throw new VertexScheduleError(`${k} "${v}" is not a date and time (RFC 3339, e.g. 2026-12-01T00:00:00Z).`);
  if (i.startTime && i.endTime && Date.parse(i.endTime) <= Date.parse(i.startTime)) throw new VertexScheduleError('The end time must come after the start time.');
  // schedule.proto: "User-specified ID is not supported in the request template"; output-only fields are not sent.
  const { name: _n, createTime: _c, state: _s, jobDetail: _j, ...template } = job as PipelineJob & Record<string, unknown>;
  return {
    displayName: i.displayName.trim(), cron: text, maxConcurrentRunCount: String(conc),
    ...(i.maxRunCount ? { maxRunCount: String(i.maxRunCount) } : {}),
    ...(i.startTime ? { startTime: new Date(i.startTime).toISOString() } : {}), ...(i.endTime ? { endTime: new Date(i.endTime).toISOString() } : {}),
    ...(i.allowQueueing ? { allowQueueing: true } : {}),
    createPipelineJobRequest: { parent, pipelineJob: template },
  };
}
