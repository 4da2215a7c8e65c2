// A step's whole log as a read-only file (scheme kfp-log) served by a file
// system provider, so that even very large logs (VS Code does not hand documents
// over 50 MB to extensions) open in the editor for search and copy. The log is
// fetched when the editor reads it, from the same sources as the run view.
import * as vscode from 'vscode';
import { runGraph } from '../core/graph/forRun';
import { storagePath } from '../core/mlmd/client';
import { podLog } from '../core/logs/podLogs';
import type { EndpointManager } from '../endpoints/endpointManager';
import { LogSession } from './logSession';
import { RunPanel } from './runPanel';

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

export class LogFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  /** The last fetch, kept briefly so that stat and read do not fetch twice. */
  private cache?: { key: string; data: Uint8Array; at: number; noLog?: string };
  lastSize = 0;

  /**
   * Reads the log (or artifact) before an editor opens it, so a command can say
   * what happened: the size, why there is no log (a cached step, no pod), or why
   * every source failed. The editor then opens from the cache.
   */
  async prepare(uri: vscode.Uri): Promise<{ ok: true; bytes: number } | { ok: false; error: string; noLog?: boolean }> {
    try {
      const data = await this.fetch(uri);
      if (this.cache?.noLog) return { ok: false, error: this.cache.noLog, noLog: true };
      return { ok: true, bytes: data.length };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  constructor(private readonly endpoints: EndpointManager) {}

  private async fetch(uri: vscode.Uri): Promise<Uint8Array> {
    const key = uri.toString();
    if (this.cache?.key === key && Date.now() - this.cache.at < 10_000) return this.cache.data;
    const runId = decodeURIComponent(uri.path.split('/')[1] ?? '');
    const q = new URLSearchParams(uri.query);
    if (q.get('artifact')) {
      const where = storagePath(q.get('artifact')!);
      if (!where) throw vscode.FileSystemError.FileNotFound(uri);
      const client = await this.endpoints.getClient();
      const text = await client.getText('artifacts/get', { source: where.source, bucket: where.bucket, key: where.key, namespace: this.endpoints.active()?.namespace || undefined }, undefined, 'Read artifact');
      const data = new TextEncoder().encode(text);
      this.cache = { key, data, at: Date.now() };
      this.lastSize = data.length;
      return data;
    }
    const nodeId = q.get('node') ?? '';
    const attempt = q.get('attempt') !== null ? Number(q.get('attempt')) : undefined;
    const client = await this.endpoints.getClient();
    const run = await client.getRun(runId);
    const { state: st } = await runGraph(await RunPanel.stateSources(this.endpoints), run);
    const t = LogSession.target(this.endpoints, run, st, nodeId, attempt);
    const enc = new TextEncoder();
    let data: Uint8Array;
    let noLog: string | undefined;
    if ('message' in t) { data = enc.encode(`# ${t.message}\n`); noLog = t.message; }
    else {
      const chunks: Uint8Array[] = [];
      let source = '';
      for await (const b of podLog(await LogSession.sources(this.endpoints), { ...t, running: false })) { source = b.source; chunks.push(enc.encode(b.lines.join('\n') + '\n')); }
      const head = enc.encode(`# Log of ${nodeId}${attempt !== undefined ? ` attempt ${attempt}` : ''} (pod ${t.podName}) from ${source === 'kubernetes' ? 'the Kubernetes API' : source === 'ui-server' ? 'the KFP UI server' : 'the log archive'}\n`);
      const size = chunks.reduce((n, c) => n + c.length, head.length);
      data = new Uint8Array(size);
      data.set(head, 0);
      let off = head.length;
      for (const c of chunks) { data.set(c, off); off += c.length; }
    }
    this.cache = { key, data, at: Date.now(), noLog };
    this.lastSize = data.length;
    return data;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const data = await this.fetch(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: Date.now(), size: data.length, permissions: vscode.FilePermission.Readonly };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const data = await this.fetch(uri);
    this.cache = undefined; // the editor has it now
    return data;
  }

  watch(): vscode.Disposable { return new vscode.Disposable(() => undefined); }
  readDirectory(): [string, vscode.FileType][] { return []; }
  createDirectory(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
  writeFile(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
  delete(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
  rename(): void { throw vscode.FileSystemError.NoPermissions('Logs are read-only.'); }
}
