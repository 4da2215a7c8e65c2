import * as assert from 'node:assert/strict';
import { RunPoller } from '../../src/core/runPoller';
import { Backoff, Timers } from '../../src/core/util/backoff';
import { PagedList } from '../../src/core/util/pagedList';
import type { Run, RuntimeState } from '../../src/core/kfp/types';

class FakeTimers implements Timers {
  t = 0;
  private queue: Array<{ at: number; fn: () => void; id: number }> = [];
  private next = 1;
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown { const id = this.next++; this.queue.push({ at: this.t + ms, fn, id }); return id; }
  clearTimeout(h: unknown): void { this.queue = this.queue.filter((q) => q.id !== h); }
  get pending(): number { return this.queue.length; }
  /** Moves time forward, running timers that fall due (and awaiting their work). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const q = this.queue[0];
      if (!q || q.at > end) break;
      this.queue.shift();
      this.t = q.at;
      q.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

describe('RunPoller', () => {
  it('polls unfinished runs, backs off while quiet, resets on change and drops finished runs', async () => {
    const timers = new FakeTimers();
    let state: RuntimeState = 'RUNNING';
    const calls: number[] = [];
    const poller = new RunPoller({ getRun: async (id) => { calls.push(timers.now()); return { run_id: id, state }; } }, 1000, timers);
    const seen: string[] = [];
    poller.onDidChangeRun((r) => seen.push(r.state!));
    poller.watch({ run_id: 'a', state: 'RUNNING' });
    poller.watch({ run_id: 'done', state: 'SUCCEEDED' });
    assert.equal(poller.watchedCount, 1, 'a finished run is not watched');
    await timers.advance(10_000);
    assert.equal(calls.length, 0, 'paused until a view shows runs');
    poller.resume();
    await timers.advance(1000 + 2000 + 4000 + 8000 + 8000);
    assert.deepEqual(calls.map((t) => t - calls[0]), [0, 2000, 6000, 14000, 22000], 'doubles up to 8x while quiet');
    state = 'SUCCEEDED';
    await timers.advance(8000);
    assert.deepEqual(seen, ['SUCCEEDED']);
    assert.equal(poller.watchedCount, 0);
    assert.equal(timers.pending, 0, 'no timer left when nothing is watched');
  });

  it('pauses and resumes without losing runs', async () => {
    const timers = new FakeTimers();
    let n = 0;
    const poller = new RunPoller({ getRun: async (id) => { n++; return { run_id: id, state: 'RUNNING' }; } }, 1000, timers);
    poller.resume();
    poller.watch({ run_id: 'a', state: 'RUNNING' });
    await timers.advance(1000);
    assert.equal(n, 1);
    poller.pause();
    await timers.advance(60_000);
    assert.equal(n, 1);
    poller.resume();
    await timers.advance(2000);
    assert.equal(n, 2);
  });

  it('gives up on a run after repeated errors', async () => {
    const timers = new FakeTimers();
    const poller = new RunPoller({ getRun: async () => { throw new Error('boom'); } }, 1000, timers);
    poller.resume();
    poller.watch({ run_id: 'a', state: 'RUNNING' });
    await timers.advance(200_000);
    assert.equal(poller.watchedCount, 0);
  });

  it('Backoff caps at the factor', () => {
    const b = new Backoff(100, 4);
    assert.deepEqual([b.next(false), b.next(false), b.next(false), b.next(true)], [200, 400, 400, 100]);
  });
});

describe('PagedList', () => {
  it('loads one page at a time, keeps sort and filter, and shares concurrent loads', async () => {
    const seen: Array<{ token?: string; sort?: string; filter?: string }> = [];
    const all: Run[] = Array.from({ length: 45 }, (_, i) => ({ run_id: String(i) }));
    const list = new PagedList<Run>(async (o) => {
      seen.push({ token: o.pageToken, sort: o.sortBy, filter: JSON.stringify(o.filter) });
      const start = Number(o.pageToken ?? 0);
      const next = start + o.pageSize! < all.length ? String(start + o.pageSize!) : undefined;
      return { items: all.slice(start, start + o.pageSize!), nextPageToken: next, totalSize: all.length };
    }, 20, 'created_at desc', { predicates: [{ key: 'name', operation: 'IS_SUBSTRING', string_value: 'x' }] });
    assert.equal(list.hasMore, true);
    await Promise.all([list.loadMore(), list.loadMore()]);
    assert.equal(list.items.length, 20);
    assert.equal(seen.length, 1, 'one request for two concurrent loads');
    await list.loadMore();
    await list.loadMore();
    assert.equal(list.items.length, 45);
    assert.equal(list.hasMore, false);
    assert.equal(await list.loadMore(), 0);
    assert.ok(seen.every((s) => s.sort === 'created_at desc' && s.filter!.includes('IS_SUBSTRING')));
  });
});
