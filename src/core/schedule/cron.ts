// KFP's cron: the schedule language of github.com/robfig/cron v1.2.0, which the
// KFP API server validates with (`cron.Parse` in backend/src/apiserver/server/
// api_converter.go) and the ScheduledWorkflow controller fires with
// (crd/controller/scheduledworkflow/util/cron_schedule.go). Rules read from
// robfig/cron v1.2.0 parser.go, spec.go and constantdelay.go:
// - `Parse` takes Second | Minute | Hour | Dom | Month | DowOptional | Descriptor: six fields with seconds
//   first, or five, which are read as second minute hour day-of-month month (day of week *): so the Unix
//   "0 0 * * *" fires every hour at minute 0, not daily;
// - fields: `*` or `?`, N, N-M, with /step ("N/step" means N-max/step), comma lists, month and weekday
//   names (jan…dec, sun…sat, any case);
// - when neither day field is `*`/`?`, a day matches if either does; else both must;
// - descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, and `@every DURATION` (Go
//   duration syntax, at least 1 s, whole seconds), which fires DURATION after the previous time;
// - Next(t) starts at the next whole second after t and gives up after five years.
// Times are computed in UTC (KFP's default install runs the controller with CRON_SCHEDULE_TIMEZONE=UTC,
// manifests/kustomize/base/installs/generic/pipeline-install-config.yaml) or in the local zone.

export type Zone = 'UTC' | 'local';

interface Bounds { min: number; max: number; names?: Record<string, number> }
const SECONDS: Bounds = { min: 0, max: 59 };
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 } };
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** A field: which values match, and whether it was `*` or `?` (robfig's star bit). */
interface Field { values: boolean[]; star: boolean }

export type CronSchedule =
  | { kind: 'spec'; second: Field; minute: Field; hour: Field; dom: Field; month: Field; dow: Field; fields: number }
  | { kind: 'every'; delayMs: number };

export class CronError extends Error {}

function field(min: number, max: number, step = 1, star = false): Field {
  const values: boolean[] = [];
  for (let i = min; i <= max; i += step) values[i] = true;
  return { values, star };
}

function parseInt10(expr: string): number {
  // Go's strconv.Atoi: an optional sign and decimal digits only.
  if (!/^[+-]?\d+$/.test(expr)) throw new CronError(`Failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new CronError(`Negative number (${n}) not allowed: ${expr}`);
  return n;
}

function intOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named !== undefined ? named : parseInt10(expr);
}

function parseRange(expr: string, b: Bounds): Field {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const single = lowAndHigh.length === 1;
  let start: number, end: number, step: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') { start = b.min; end = b.max; star = true; }
  else {
    start = intOrName(lowAndHigh[0], b);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], b);
    else throw new CronError(`Too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) { step = parseInt10(rangeAndStep[1]); if (single) end = b.max; }
  else throw new CronError(`Too many slashes: ${expr}`);
  if (start < b.min) throw new CronError(`Beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new CronError(`End of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new CronError(`Beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`Step of range should be a positive number: ${expr}`);
  return field(start, end, step, star);
}

function parseField(text: string, b: Bounds): Field {
  const out: Field = { values: [], star: false };
  for (const expr of text.split(',').filter((x) => x.length > 0)) {
    const f = parseRange(expr, b);
    f.values.forEach((v, i) => { if (v) out.values[i] = true; });
    out.star ||= f.star;
  }
  return out;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, in milliseconds (fractions kept). */
export function parseGoDuration(s: string): number {
  const orig = s;
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') { if (s[0] === '-') sign = -1; s = s.slice(1); }
  if (s === '0') return 0;
  if (!s) throw new CronError(`time: invalid duration ${JSON.stringify(orig)}`);
  let total = 0;
  while (s) {
    const m = /^(\d*)(?:\.(\d*))?([a-zµμ]+)/.exec(s);
    if (!m || (!m[1] && !m[2])) throw new CronError(`time: invalid duration ${JSON.stringify(orig)}`);
    const unit = UNITS[m[3]];
    if (unit === undefined) throw new CronError(`time: unknown unit ${JSON.stringify(m[3])} in duration ${JSON.stringify(orig)}`);
    total += Number(`${m[1] || '0'}.${m[2] || '0'}`) * unit;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** robfig/cron v1.2.0 `Parse`: throws CronError with its message. */
export function parseCron(spec: string): CronSchedule {
  if (spec.length === 0) throw new CronError('Empty spec string');
  if (spec[0] === '@') return parseDescriptor(spec);
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length < 5 || fields.length > 6) throw new CronError(`Expected 5 to 6 fields, found ${fields.length}: ${spec}`);
  const f = [...fields, ...['*']].slice(0, 6);
  return {
    kind: 'spec', fields: fields.length,
    second: parseField(f[0], SECONDS), minute: parseField(f[1], MINUTES), hour: parseField(f[2], HOURS),
    dom: parseField(f[3], DOM), month: parseField(f[4], MONTHS), dow: parseField(f[5], DOW),
  };
}

function parseDescriptor(d: string): CronSchedule {
  const all = (b: Bounds) => field(b.min, b.max, 1, true);
  const one = (b: Bounds) => field(b.min, b.min);
  const spec = (s: Partial<Record<'second' | 'minute' | 'hour' | 'dom' | 'month' | 'dow', Field>>): CronSchedule => ({
    kind: 'spec', fields: 0, second: one(SECONDS), minute: one(MINUTES), hour: s.hour ?? one(HOURS), dom: s.dom ?? one(DOM), month: s.month ?? all(MONTHS), dow: s.dow ?? all(DOW),
  });
  switch (d) {
    case '@yearly': case '@annually': return spec({ month: one(MONTHS) });
    case '@monthly': return spec({});
    case '@weekly': return spec({ dom: all(DOM), dow: one(DOW) });
    case '@daily': case '@midnight': return spec({ dom: all(DOM) });
    case '@hourly': return spec({ hour: all(HOURS), dom: all(DOM) });
  }
  if (d.startsWith('@every ')) {
    let ms: number;
    try { ms = parseGoDuration(d.slice(7)); } catch (e) { throw new CronError(`Failed to parse duration ${d}: ${(e as Error).message}`); }
    // constantdelay.go Every: below a second is a second; the rest is cut to whole seconds.
    const delay = ms < 1000 ? 1000 : ms - (ms % 1000);
    return { kind: 'every', delayMs: delay };
  }
  throw new CronError(`Unrecognized descriptor: ${d}`);
}

/** Calendar access in UTC or local time. */
function cal(zone: Zone) {
  const u = zone === 'UTC';
  return {
    get: (t: Date) => ({ y: u ? t.getUTCFullYear() : t.getFullYear(), mo: (u ? t.getUTCMonth() : t.getMonth()) + 1, d: u ? t.getUTCDate() : t.getDate(), h: u ? t.getUTCHours() : t.getHours(), mi: u ? t.getUTCMinutes() : t.getMinutes(), s: u ? t.getUTCSeconds() : t.getSeconds(), wd: u ? t.getUTCDay() : t.getDay() }),
    make: (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => (u ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s)),
  };
}

/** robfig/cron v1.2.0 Schedule.Next: the first activation strictly after `after` (ms), or undefined within five years. */
export function nextAfter(s: CronSchedule, after: number, zone: Zone = 'UTC'): number | undefined {
  if (s.kind === 'every') return Math.floor(after / 1000) * 1000 + s.delayMs;
  const c = cal(zone);
  // The upcoming whole second.
  let t = new Date(Math.floor(after / 1000) * 1000 + 1000);
  let added = false;
  const yearLimit = c.get(t).y + 5;
  const has = (f: Field, v: number) => f.values[v] === true;
  const dayMatches = (d: Date) => {
    const g = c.get(d);
    const domMatch = has(s.dom, g.d), dowMatch = has(s.dow, g.wd);
    return s.dom.star || s.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  };
  wrap: for (let guard = 0; guard < 10_000; guard++) {
    let g = c.get(t);
    if (g.y > yearLimit) return undefined;
    while (!has(s.month, g.mo)) {
      if (!added) { added = true; t = c.make(g.y, g.mo, 1); }
      g = c.get(t);
      t = c.make(g.y, g.mo + 1, g.d, g.h, g.mi, g.s);
      g = c.get(t);
      if (g.mo === 1) continue wrap;
    }
    while (!dayMatches(t)) {
      g = c.get(t);
      if (!added) { added = true; t = c.make(g.y, g.mo, g.d); g = c.get(t); }
      t = c.make(g.y, g.mo, g.d + 1, g.h, g.mi, g.s);
      if (c.get(t).d === 1) continue wrap;
    }
    g = c.get(t);
    while (!has(s.hour, g.h)) {
      if (!added) { added = true; t = c.make(g.y, g.mo, g.d, g.h); }
      t = new Date(t.getTime() + 3_600_000);
      g = c.get(t);
      if (g.h === 0) continue wrap;
    }
    while (!has(s.minute, g.mi)) {
      if (!added) { added = true; t = new Date(Math.floor(t.getTime() / 60_000) * 60_000); }
      t = new Date(t.getTime() + 60_000);
      g = c.get(t);
      if (g.mi === 0) continue wrap;
    }
    while (!has(s.second, g.s)) {
      if (!added) { added = true; t = new Date(Math.floor(t.getTime() / 1000) * 1000); }
      t = new Date(t.getTime() + 1000);
      g = c.get(t);
      if (g.s === 0) continue wrap;
    }
    return t.getTime();
  }
  return undefined;
}

/** The next `count` activations after `after`, stopping at `end` (ms) when given. */
export function fireTimes(s: CronSchedule, after: number, count: number, zone: Zone = 'UTC', end?: number): number[] {
  const out: number[] = [];
  let t = after;
  for (let i = 0; i < count; i++) {
    const n = nextAfter(s, t, zone);
    if (n === undefined || (end !== undefined && n > end)) break;
    out.push(n);
    t = n;
  }
  return out;
}

export interface CronCheck {
  ok: boolean;
  /** robfig's message, as KFP returns it inside "Schedule cron is not a supported format(…). Error: …". */
  error?: string;
  /** A warning when the expression is accepted but likely means something else (five fields). */
  warning?: string;
  /** The six-field expression the warning suggests. */
  suggestion?: string;
}

/** Checks an expression as KFP will read it, and warns about the five-field trap. */
export function checkCron(spec: string): CronCheck {
  let s: CronSchedule;
  try { s = parseCron(spec.trim()); } catch (e) { return { ok: false, error: (e as Error).message }; }
  if (s.kind === 'spec' && s.fields === 5) {
    const suggestion = `0 ${spec.trim()}`;
    return { ok: true, suggestion, warning: `KFP reads 5 fields as second minute hour day-of-month month (its cron has seconds first): "${spec.trim()}" is not the Unix cron you may mean. For that, write "${suggestion}".` };
  }
  return { ok: true };
}
