// A step's whole log as a read-only file (scheme kfp-log) served by a file
// system provider, so that even very large logs (VS Code does not hand documents
// over 50 MB to extensions) open in the editor for search and copy. The log is
// streamed from the same sources as the run view: the editor opens on its first
// part as soon as that has arrived, and reloads with the whole log (so search
// covers all of it) when the rest is there.
import * as vscode from 'vscode';
import { runGraph } from '../core/graph/forRun';
import { storagePath } from '../core/mlmd/client';
import { LogSource, wholePodLog } from '../core/logs/podLogs';
import type { EndpointManager } from '../endpoints/endpointManager';
import { LogSession } from './logSession';
import { RunPanel } from './runPanel';
import { isVertexRun } from '../core/vertex/runs';
import { jobLog } from '../core/vertex/logs';
import { vertexLogTarget, vertexRunGraph } from './vertexRun';

export const LOG_SCHEME = 'kfp-log';

export function logUri(runId: string, nodeId: string, label: string, attempt?: number): vscode.Uri {
  const q = new URLSearchParams({ node: nodeId });
  if (attempt !== undefined) q.set('attempt', String(attempt));
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${encodeURIComponent(runId)}/${label.replace(/[\\/:*?"<>|#]/g, '_')}${attempt !== undefined ? `-attempt-${attempt}` : ''}.log`, query: q.toString() });
}

/** A read-only document of an artifact, read through the KFP UI server's /artifacts/get. */
export function artifactUri(runId: string, uri: string, name?: string): vscode.Uri {
  const label = (name ?? uri.split('/').pop() ?? 'artifact').replace(/[\\/:*?"<>|#]/g, '_');
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${encodeURIComponent(runId)}/artifacts/${label}`, query: new URLSearchParams({ artifact: uri }).toString() });
}

/** The editor opens on at most this much of a log that is still arriving (the first screen, quickly). */
const FIRST_PART_BYTES = 512 * 1024;
/** How long to wait for a first part of that size once the first bytes are in. */
const FIRST_PART_WAIT_MS = 700;

const SOURCE_NAME: Record<LogSource, string> = { kubernetes: 'the Kubernetes API', 'ui-server': 'the KFP UI server', archive: 'the log archive', 'cloud-logging': 'Cloud Logging' };

/** A log (or artifact) being read: what has arrived so far, and whether it is all there. */
interface Load {
  key: string;
  uri: vscode.Uri;
  title: string;
  chunks: Uint8Array[];
  bytes: number;
  source?: LogSource;
  done: boolean;
  error?: string;
  noLog?: string;
  /** The editor was given only part of it: tell it when the rest is there. */
  servedPart: boolean;
  finishedAt?: number;
  finished: Promise<void>;
  startedAt: number;
  /** When the first byte arrived (the server's own time before it sends is part of what the user waits). */
  firstByteAt?: number;
  /** Resolves when bytes arrive or the load ends. */
  progress: () => Promise<void>;
  abort: AbortController;
}

export class LogFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly loads = new Map<string, Load>();
  lastSize = 0;
  /** A log that failed after its first part was shown (the editor shows why; the command had already returned). */
  private readonly lateErrors = new vscode.EventEmitter<{ uri: vscode.Uri; error: string }>();
  readonly onLateError = this.lateErrors.event;
  /** The editor read a log document: its size, and whether it was the whole log or its first part. */
  private readonly served = new vscode.EventEmitter<{ uri: vscode.Uri; bytes: number; whole: boolean; firstByteMs?: number }>();
  readonly onDidServe = this.served.event;

  constructor(private readonly endpoints: EndpointManager) {}

  /**
   * Starts reading the log (or artifact) and waits for its first part, so a
   * command can say what happened: the size so far and whether it is complete,
   * why there is no log (a cached step, no pod), or why every source failed.
   * The editor then opens on what has arrived.
   */
  async prepare(uri: vscode.Uri): Promise<{ ok: true; bytes: number; complete: boolean; source?: LogSource } | { ok: false; error: string; noLog?: boolean }> {
    const l = this.load(uri, true);
    await this.firstPart(l);
    if (l.noLog) return { ok: false, error: l.noLog, noLog: true };
    if (l.error) return { ok: false, error: l.error };
    return { ok: true, bytes: l.bytes, complete: l.done && !l.error, source: l.source };
  }

  /** The load of a URI: the running one, or a finished one read in the last 10 s, else a new one. */
  private load(uri: vscode.Uri, fresh = false): Load {
    const key = uri.toString();
    const have = this.loads.get(key);
    if (have && (!have.done || (!fresh && Date.now() - (have.finishedAt ?? 0) < 10_000) || have.servedPart)) return have;
    have?.abort.abort();
    let wake: () => void = () => undefined;
    let wait = new Promise<void>((r) => { wake = r; });
    const l: Load = {
      key, uri, title: '', chunks: [], bytes: 0, done: false, servedPart: false, abort: new AbortController(),
      finished: Promise.resolve(), progress: () => wait, startedAt: Date.now(),
    };
    const poke = () => { const w = wake; wait = new Promise<void>((r) => { wake = r; }); w(); };
    const put = (c: Uint8Array, source: LogSource, restart: boolean) => {
      if (restart) { l.chunks = []; l.bytes = 0; }
      l.firstByteAt ??= Date.now();
      l.source = source; l.chunks.push(c); l.bytes += c.length; poke();
    };
    l.finished = this.read(uri, l, put).then(
      () => undefined,
      (e: Error) => { l.error = e.message; },
    ).then(() => {
      l.done = true; l.finishedAt = Date.now(); this.lastSize = l.bytes; poke();
      if (l.servedPart) {
        // The editor shows the first part: it reloads with the whole (or with why the rest is missing).
        this.emitter.fire([{ type: vscode.FileChangeType.Changed, uri }]);
        if (l.error) this.lateErrors.fire({ uri, error: l.error });
      } else {
        // Read by nobody within 10 s (an editor that asked twice, a command that gave up): not kept.
        setTimeout(() => { if (this.loads.get(key) === l && !l.servedPart) this.loads.delete(key); }, 10_000).unref?.();
      }
    });
    this.loads.set(key, l);
    return l;
  }

  /** Reads into the load; throws when no source had it. */
  private async read(uri: vscode.Uri, l: Load, put: (c: Uint8Array, source: LogSource, restart: boolean) => void): Promise<void> {
    const runId = decodeURIComponent(uri.path.split('/')[1] ?? '');
    const q = new URLSearchParams(uri.query);
    if (this.endpoints.isVertex && !q.get('artifact')) {
      const nodeId = q.get('node') ?? '';
      const attempt = q.get('attempt') !== null ? Number(q.get('attempt')) : undefined;
      const run = await this.endpoints.getRun(runId);
      if (!isVertexRun(run)) throw new Error('The endpoint changed while the log was opened.');
      const t = vertexLogTarget(run, vertexRunGraph(run).state, nodeId, attempt);
      if ('message' in t) { l.noLog = t.message; l.title = `# ${t.message}`; return; }
      l.title = `# Log of ${nodeId}${attempt !== undefined ? ` attempt ${attempt}` : ''} (custom job ${t.job.split('/').pop()})`;
      const enc = new TextEncoder();
      for await (const lines of jobLog(await this.endpoints.getVertex(), t.job, { running: () => false, signal: l.abort.signal })) put(enc.encode(lines.map((x) => `${x}\n`).join('')), 'cloud-logging', false);
      return;
    }
    const client = await this.endpoints.getClient();
    if (q.get('artifact')) {
      const where = storagePath(q.get('artifact')!);
      if (!where) throw new Error(`${q.get('artifact')} is not a storage path the KFP UI server can read.`);
      l.title = `# Artifact ${q.get('artifact')}`;
      await client.getText('artifacts/get', { source: where.source, bucket: where.bucket, key: where.key, namespace: this.endpoints.active()?.namespace || undefined }, l.abort.signal, 'Read artifact',
        (c) => put(c, 'ui-server', false));
      return;
    }
    const nodeId = q.get('node') ?? '';
    const attempt = q.get('attempt') !== null ? Number(q.get('attempt')) : undefined;
    const run = await client.getRun(runId);
    const { state: st } = await runGraph(await RunPanel.stateSources(this.endpoints), run);
    const t = LogSession.target(this.endpoints, run, st, nodeId, attempt);
    if ('message' in t) { l.noLog = t.message; l.title = `# ${t.message}`; return; }
    l.title = `# Log of ${nodeId}${attempt !== undefined ? ` attempt ${attempt}` : ''} (pod ${t.podName})`;
    await wholePodLog(await LogSession.sources(this.endpoints), { ...t, running: false }, put, l.abort.signal);
  }

  /** Waits for the load to end, or for its first part once bytes have begun to arrive. */
  private async firstPart(l: Load): Promise<void> {
    while (!l.done && !l.bytes) await l.progress();
    const until = Date.now() + FIRST_PART_WAIT_MS;
    while (!l.done && l.bytes < FIRST_PART_BYTES && Date.now() < until) {
      await Promise.race([l.progress(), new Promise((r) => setTimeout(r, Math.max(1, until - Date.now())))]);
    }
  }

  /** The document's pieces: a heading, the log (or its first part while the rest arrives), and what is missing. */
  private pieces(l: Load): Uint8Array[] {
    const enc = new TextEncoder();
    const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    if (l.noLog) return [enc.encode(`${l.title}\n`)];
    const artifact = new URLSearchParams(l.uri.query).get('artifact');
    const from = l.source ? ` from ${SOURCE_NAME[l.source]}` : '';
    let headText: string;
    let tail = '';
    let parts = l.chunks;
    if (!l.done) {
      // Only the first part goes to the editor while the rest arrives: it opens at once, and reloads when all is there.
      parts = [];
      let n = 0;
      for (const c of l.chunks) { if (n >= FIRST_PART_BYTES) break; parts.push(c); n += c.length; }
      headText = `${l.title}${from}: the first ${mib(n)} while the rest arrives (${mib(l.bytes)} so far); this document reloads with the whole log when it is all here.\n`;
      tail = `\n# … the rest of the log is arriving …\n`;
    } else if (l.error) {
      headText = `${l.title}${from}: INCOMPLETE, ${mib(l.bytes)} arrived, then the read failed: ${l.error}\n`;
      tail = `\n# The log stopped here: ${l.error}\n`;
    } else {
      headText = artifact ? '' : `${l.title}${from}\n`;
    }
    return [enc.encode(headText), ...parts, enc.encode(tail)];
  }

  /** The document's bytes, in one buffer (what the editor reads). */
  private content(l: Load): Uint8Array {
    const pieces = this.pieces(l);
    const data = new Uint8Array(pieces.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of pieces) { data.set(c, off); off += c.length; }
    return data;
  }

  private async ready(uri: vscode.Uri): Promise<Load> {
    const l = this.load(uri);
    await this.firstPart(l);
    if (!l.bytes && l.error) throw vscode.FileSystemError.Unavailable(l.error);
    return l;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const l = await this.ready(uri);
    // The size without copying the log (stat comes before every read).
    return { type: vscode.FileType.File, ctime: 0, mtime: l.finishedAt ?? Date.now(), size: this.pieces(l).reduce((n, c) => n + c.length, 0), permissions: vscode.FilePermission.Readonly };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const l = await this.ready(uri);
    const data = this.content(l);
    this.served.fire({ uri, bytes: data.length, whole: l.done, firstByteMs: l.firstByteAt ? l.firstByteAt - l.startedAt : undefined });
    if (!l.done) l.servedPart = true;
    // The editor has the whole log now: nothing is kept.
    else { l.servedPart = false; l.chunks = []; this.loads.delete(l.key); }
    return data;
  }

  /** Artifact bytes for a command (no editor involved). */
  async readWhole(uri: vscode.Uri): Promise<Uint8Array> {
    const l = this.load(uri, true);
    await l.finished;
    if (l.error) throw new Error(l.error);
    const data = this.content(l);
    return data;
  }

  watch(): vscode.Disposable { return new vscode.Disposable(() => undefined); }
  readDirectory(): [string, vscode.FileType][] { return []; }
  createDirectory(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
  writeFile(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
  delete(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
  rename(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
}
