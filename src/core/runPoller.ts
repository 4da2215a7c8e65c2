// One poller for every run that is not finished, whoever shows it. Views ask
// it to watch runs; it refreshes each on its own backoff and reports changes.
// It pauses while nothing that shows runs is visible. No vscode import: the
// timers are injected, so tests move time instead of sleeping.
import { Backoff, Timers, realTimers } from './util/backoff';
import { isFinished, Run } from './kfp/types';

export interface RunSource { getRun(id: string, signal?: AbortSignal): Promise<Run> }

interface Watched { run: Run; backoff: Backoff; dueAt: number; failures: number }

export class RunPoller {
  private watched = new Map<string, Watched>();
  private holds = new Set<string>();
  private timer: unknown;
  private paused = true;
  private polling = false;
  private listeners = new Set<(run: Run) => void>();
  private controller = new AbortController();
  polls = 0;

  constructor(private source: RunSource, private baseMs: number, private readonly timers: Timers = realTimers) {}

  onDidChangeRun(fn: (run: Run) => void): { dispose(): void } {
    this.listeners.add(fn);
    return { dispose: () => this.listeners.delete(fn) };
  }

  setSource(source: RunSource): void {
    this.source = source;
    this.watched.clear();
    this.controller.abort();
    this.controller = new AbortController();
  }

  setInterval(baseMs: number): void { this.baseMs = baseMs; }

  /** Watches a run while it is not finished; a finished run is dropped. */
  watch(run: Run): void {
    const id = run.run_id;
    if (!id) return;
    if (isFinished(run.state)) { this.watched.delete(id); return; }
    const existing = this.watched.get(id);
    if (existing) { existing.run = run; return; }
    this.watched.set(id, { run, backoff: new Backoff(this.baseMs), dueAt: this.timers.now() + this.baseMs, failures: 0 });
    this.schedule();
  }

  unwatch(id: string): void { this.watched.delete(id); }
  get watchedCount(): number { return this.watched.size; }
  get isPaused(): boolean { return this.paused; }

  /** Views that show runs hold the poller while visible; it runs while any holds it. */
  hold(key: string, visible: boolean): void {
    if (visible) this.holds.add(key); else this.holds.delete(key);
    if (this.holds.size) this.resume(); else this.pause();
  }

  pause(): void {
    this.paused = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.paused || this.polling) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.watched.size) return;
    const due = Math.min(...[...this.watched.values()].map((w) => w.dueAt));
    this.timer = this.timers.setTimeout(() => { this.timer = undefined; void this.tick(); }, Math.max(0, due - this.timers.now()));
  }

  /** Polls every watched run now (Refresh, and tests that move the clock). */
  async pollNow(): Promise<void> {
    while (this.polling) await new Promise((r) => this.timers.setTimeout(() => r(undefined), 10));
    const now = this.timers.now();
    for (const w of this.watched.values()) w.dueAt = now;
    const wasPaused = this.paused;
    this.paused = false;
    try { await this.tick(); } finally { if (wasPaused) this.pause(); }
  }

  /** Polls every run that is due. */
  async tick(): Promise<void> {
    if (this.paused || this.polling) return;
    this.polling = true;
    try {
      const now = this.timers.now();
      const due = [...this.watched.entries()].filter(([, w]) => w.dueAt <= now);
      const signal = this.controller.signal;
      await Promise.all(due.map(async ([id, w]) => {
        this.polls++;
        try {
          const fresh = await this.source.getRun(id, signal);
          if (signal.aborted) return;
          const changed = runSignature(fresh) !== runSignature(w.run);
          w.failures = 0;
          w.run = fresh;
          w.dueAt = this.timers.now() + w.backoff.next(changed);
          if (isFinished(fresh.state)) this.watched.delete(id);
          if (changed) for (const l of this.listeners) l(fresh);
        } catch {
          w.failures++;
          w.dueAt = this.timers.now() + w.backoff.next(false);
          if (w.failures >= 5) this.watched.delete(id);
        }
      }));
    } finally {
      this.polling = false;
      this.schedule();
    }
  }

  dispose(): void {
    this.pause();
    this.controller.abort();
    this.watched.clear();
    this.listeners.clear();
  }
}

/** What a change of a run means for its views: its state, its history, and the state of each of its tasks. */
export function runSignature(run: Run): string {
  let sig = `${run.state}|${run.state_history?.length ?? 0}|${run.storage_state}`;
  for (const t of run.run_details?.task_details ?? []) sig += `|${t.task_id}:${t.state}`;
  return sig;
}
