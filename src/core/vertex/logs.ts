// A Vertex pipeline step's log: the entries Cloud Logging holds for the step's
// CustomJob, read as gcloud reads a CustomJob's log (googlecloudsdk
// command_lib/ai/log_util.py: filter resource.type="ml_job" AND
// resource.labels.job_id="ID", text from jsonPayload.message else textPayload) and
// followed as gcloud's tailer follows one (command_lib/logs/stream.py): ascending
// by timestamp, every page read, then polled from the last (timestamp, insertId)
// seen, so no line is repeated, and while the step runs only up to 5 s ago, since
// Logging does not stream and late entries may arrive out of order
// (../shared/vertex-reference.md 4).
import type { LogEntry } from './types';
import type { VertexClient } from './client';

export function customJobId(job: string): string { return job.split('/').pop() ?? job; }

export function entryText(e: LogEntry): string {
  const msg = e.jsonPayload?.message;
  if (typeof msg === 'string') return msg;
  if (e.textPayload !== undefined) return e.textPayload;
  return e.jsonPayload ? JSON.stringify(e.jsonPayload) : '';
}

function quote(s: string): string { return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`; }

export function jobLogFilter(job: string, after?: { timestamp: string; insertId: string }, before?: string): string {
  const parts = [`resource.type="ml_job"`, `resource.labels.job_id=${quote(customJobId(job))}`];
  if (after) parts.push(`(timestamp>${quote(after.timestamp)} OR (timestamp=${quote(after.timestamp)} AND insertId>${quote(after.insertId)}))`);
  if (before) parts.push(`timestamp<${quote(before)}`);
  return parts.join(' AND ');
}

export interface JobLogOptions {
  /** Keep following while this says the step runs. */
  running: () => boolean | Promise<boolean>;
  signal?: AbortSignal;
  pollMs?: number;
  pageSize?: number;
  now?: () => number;
  /** How far behind now a followed log is read (gcloud's tailer: 5 s). */
  lagMs?: number;
}

/** Batches of lines of the job's log; ends when the step has ended and everything is read. */
export async function* jobLog(client: VertexClient, job: string, o: JobLogOptions): AsyncGenerator<string[]> {
  const now = o.now ?? Date.now;
  let cursor: { timestamp: string; insertId: string } | undefined;
  for (;;) {
    const running = await o.running();
    const before = running ? new Date(now() - (o.lagMs ?? 5000)).toISOString() : undefined;
    let token: string | undefined;
    const filter = jobLogFilter(job, cursor, before);
    do {
      if (o.signal?.aborted) return;
      const page = await client.listLogEntries({ filter, orderBy: 'timestamp asc', pageSize: o.pageSize ?? 1000, pageToken: token }, o.signal);
      token = page.nextPageToken;
      if (page.entries.length) {
        const last = page.entries[page.entries.length - 1];
        if (last.timestamp) cursor = { timestamp: last.timestamp, insertId: last.insertId ?? '' };
        yield page.entries.map(entryText);
      }
    } while (token);
    if (!running) return;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
    if (o.signal?.aborted) return;
  }
}
