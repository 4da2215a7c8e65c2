// A step's log, from the first source that has it (../shared/kfp-reference.md 2):
// 1. the Kubernetes API with the user's kubeconfig (container `main`, followed while
//    the step runs, resumed after a dropped connection without repeating lines);
// 2. the KFP UI server's /k8s/pod/logs on the same endpoint (the whole log, polled
//    while the step runs);
// 3. the archived main.log in the artifact store, through the UI server's
//    /artifacts/get, for a pod that is gone (key format of Argo's archiveLogs).
// Each batch of lines says which source it came from.
import * as http from 'node:http';
import * as https from 'node:https';
import { KfpError } from '../kfp/errors';
import { redact, secretsOfHeaders } from '../util/redact';
import type { KfpClient } from '../kfp/client';
import { loadKubernetes } from '../util/lazy';

export type LogSource = 'kubernetes' | 'ui-server' | 'archive' | 'cloud-logging';

/** A batch of lines; the first batch of a fallback source also says why the earlier sources were skipped. */
export interface LogBatch { source: LogSource; lines: string[]; skipped?: string[] }

export interface LogTarget {
  podName: string;
  namespace: string;
  runId: string;
  workflowName?: string;
  /** When the run was created: the archive key and the UI route use its date. */
  runCreatedAt?: string;
  /** Whether the step may still write (follow the log). */
  running: boolean;
  /** The archived log's key as the workflow records it (the node's main-logs artifact); else the default key format is used. */
  archiveKey?: string;
}

export interface K8sConnection {
  server: string;
  headers: Record<string, string>;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized?: boolean;
}

/** The current (or named) kubeconfig context as a connection, through @kubernetes/client-node. */
export async function kubeconfigConnection(context?: string, file?: string): Promise<K8sConnection | undefined> {
  const k8s = await loadKubernetes();
  const kc = new k8s.KubeConfig();
  try { if (file) kc.loadFromFile(file); else kc.loadFromDefault(); } catch { return undefined; }
  if (context && kc.getContexts().some((c) => c.name === context)) kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster || !kc.getCurrentUser() || /localhost:8080$/.test(cluster.server) && !kc.getContexts().length) return undefined;
  const opts: https.RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(opts);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  return { server: cluster.server.replace(/\/$/, ''), headers, ca: opts.ca as string | undefined, cert: opts.cert as string | undefined, key: opts.key as string | undefined, rejectUnauthorized: opts.rejectUnauthorized };
}

/** Lines of a Kubernetes pod log, following it, resuming after drops without repeats. */
export async function* kubernetesLog(conn: K8sConnection, t: LogTarget, signal?: AbortSignal, maxResumes = 20): AsyncGenerator<string[]> {
  let lastTs = '';
  let seenAtLast = new Set<string>();
  let resumes = 0;
  for (;;) {
    const q = new URLSearchParams({ container: 'main', timestamps: 'true', follow: String(t.running) });
    if (lastTs) q.set('sinceTime', lastTs.replace(/\.\d+Z$/, 'Z'));
    const url = new URL(`${conn.server}/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.podName)}/log?${q}`);
    let rest = '';
    let complete = false;
    try {
      for await (const chunk of streamGet(url, conn, signal)) {
        rest += chunk.toString('utf8');
        const parts = rest.split('\n');
        rest = parts.pop() ?? '';
        const out: string[] = [];
        for (const raw of parts) {
          const sp = raw.indexOf(' ');
          const ts = sp > 0 && /^\d{4}-\d\d-\d\dT/.test(raw) ? raw.slice(0, sp) : '';
          const text = ts ? raw.slice(sp + 1) : raw;
          if (ts) {
            if (ts < lastTs || (ts === lastTs && seenAtLast.has(text))) continue;
            if (ts > lastTs) { lastTs = ts; seenAtLast = new Set(); }
            seenAtLast.add(text);
          }
          out.push(text);
        }
        if (out.length) yield out;
      }
      complete = true;
    } catch (e) {
      if (signal?.aborted) return;
      if (!(e instanceof KfpError) || e.kind !== 'network' || !t.running || ++resumes > maxResumes) throw e;
    }
    if (complete) { if (rest) yield [rest]; return; }
    await new Promise((r) => setTimeout(r, Math.min(2000, 200 * resumes)));
  }
}

async function* streamGet(url: URL, conn: K8sConnection, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const mod = url.protocol === 'https:' ? https : http;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    // The answer must start within 30 s; a followed log may then stream for as long as the step runs.
    const headerTimer = setTimeout(() => req.destroy(new Error(`no answer within 30 s from ${url.origin}`)), 30_000);
    const req = mod.request(url, { method: 'GET', headers: { ...conn.headers, accept: 'text/plain' }, ca: conn.ca, cert: conn.cert, key: conn.key, rejectUnauthorized: conn.rejectUnauthorized !== false, signal }, (r) => { clearTimeout(headerTimer); resolve(r); });
    req.on('error', (e) => { clearTimeout(headerTimer); reject(signal?.aborted ? new KfpError('cancelled', 'cancelled') : new KfpError(`Kubernetes API: ${e.message}`, 'network')); });
    req.end();
  });
  if (res.statusCode !== 200) {
    let body = '';
    for await (const c of res) body += (c as Buffer).toString();
    let message = body;
    try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* text */ }
    // The kubeconfig's credentials are cut out of what the API server (or a proxy in front of it) sends back.
    throw new KfpError(`Kubernetes API: ${res.statusCode}: ${redact(message.trim(), secretsOfHeaders(conn.headers))}`, 'http', res.statusCode);
  }
  try {
    for await (const c of res) yield c as Buffer;
  } catch (e) {
    throw new KfpError(`Kubernetes API: the log stream broke: ${(e as Error).message}`, 'network');
  }
  if (!res.complete) throw new KfpError('Kubernetes API: the log stream closed early', 'network');
}

const dateOf = (iso?: string) => (iso && !iso.startsWith('1970') ? iso.slice(0, 10) : undefined);

/** The whole log from the KFP UI server. */
export async function uiServerLog(client: KfpClient, t: LogTarget, signal?: AbortSignal): Promise<string> {
  return client.getText('k8s/pod/logs', { podname: t.podName, runid: t.runId, podnamespace: t.namespace, createdat: dateOf(t.runCreatedAt) }, signal, 'Read step log');
}

/** The key the workflow records for the node's main-logs artifact, else Argo's default key: artifacts/{workflow}/{Y}/{m}/{d}/{pod}/main.log. */
export function archiveKey(t: LogTarget): string | undefined {
  if (t.archiveKey) return t.archiveKey;
  const d = dateOf(t.runCreatedAt);
  if (!t.workflowName || !d) return undefined;
  const [y, mo, da] = d.split('-');
  return `artifacts/${t.workflowName}/${y}/${mo}/${da}/${t.podName}/main.log`;
}

export async function archivedLog(client: KfpClient, t: LogTarget, signal?: AbortSignal): Promise<string> {
  const key = archiveKey(t);
  if (!key) throw new KfpError('No archive key: the workflow name or the run date is unknown.', 'malformed');
  return client.getText('artifacts/get', { source: 'minio', namespace: t.namespace, bucket: 'mlpipeline', key }, signal, 'Read archived log');
}

export interface LogSources {
  kubernetes?: () => Promise<K8sConnection | undefined>;
  client: KfpClient;
}

/**
 * Streams a step's log from the first source that answers. Following through the
 * UI server polls every `pollMs` and emits only the new lines.
 */
export async function* podLog(src: LogSources, t: LogTarget, signal?: AbortSignal, pollMs = 2000, isRunning?: () => Promise<boolean>): AsyncGenerator<LogBatch> {
  const errors: string[] = [];
  const conn = src.kubernetes ? await src.kubernetes().catch((e: Error) => { errors.push(`kubeconfig: ${e.message}`); return undefined; }) : undefined;
  if (conn) {
    try {
      let any = false;
      for await (const lines of kubernetesLog(conn, t, signal)) { any = true; yield { source: 'kubernetes', lines }; }
      if (any || !t.running) return;
      return;
    } catch (e) {
      if (signal?.aborted) return;
      errors.push(`Kubernetes: ${(e as Error).message}`);
    }
  }
  try {
    let sent = 0;
    for (;;) {
      const text = await uiServerLog(src.client, t, signal);
      const lines = text.split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      if (lines.length > sent) { yield { source: 'ui-server', lines: lines.slice(sent), skipped: sent === 0 && errors.length ? [...errors] : undefined }; sent = lines.length; }
      if (!t.running || !isRunning || !(await isRunning())) return;
      await new Promise((r) => setTimeout(r, pollMs));
      if (signal?.aborted) return;
    }
  } catch (e) {
    if (signal?.aborted) return;
    errors.push(`UI server: ${(e as Error).message}`);
  }
  try {
    const text = await archivedLog(src.client, t, signal);
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    yield { source: 'archive', lines, skipped: [...errors] };
    return;
  } catch (e) {
    if (signal?.aborted) return;
    errors.push(`archive: ${(e as Error).message}`);
  }
  throw new Error(`No log for ${t.podName}: ${errors.join('; ')}`);
}

/**
 * A step's whole log as it arrives, for a document: the bytes of the first source
 * that has it, passed on chunk by chunk so that an editor can show the first screen
 * long before a large log has arrived. Nothing is followed (a snapshot). When a
 * source fails part-way, `onData` is called with `restart` for the next source's
 * first chunk, so that what was shown of the failed one is dropped.
 */
export async function wholePodLog(src: LogSources, t: LogTarget, onData: (chunk: Buffer, source: LogSource, restart: boolean) => void, signal?: AbortSignal): Promise<{ source: LogSource; skipped: string[] }> {
  const errors: string[] = [];
  let sent = false;
  const sink = (source: LogSource) => {
    let first = true;
    return (c: Buffer) => { onData(c, source, first && sent); first = false; sent = true; };
  };
  const conn = src.kubernetes ? await src.kubernetes().catch((e: Error) => { errors.push(`kubeconfig: ${e.message}`); return undefined; }) : undefined;
  if (conn) {
    try {
      const url = new URL(`${conn.server}/api/v1/namespaces/${encodeURIComponent(t.namespace)}/pods/${encodeURIComponent(t.podName)}/log?${new URLSearchParams({ container: 'main' })}`);
      const put = sink('kubernetes');
      for await (const c of streamGet(url, conn, signal)) put(c);
      return { source: 'kubernetes', skipped: errors };
    } catch (e) {
      if (signal?.aborted) throw e;
      errors.push(`Kubernetes: ${(e as Error).message}`);
    }
  }
  try {
    const put = sink('ui-server');
    await src.client.getText('k8s/pod/logs', { podname: t.podName, runid: t.runId, podnamespace: t.namespace, createdat: dateOf(t.runCreatedAt) }, signal, 'Read step log', put);
    return { source: 'ui-server', skipped: errors };
  } catch (e) {
    if (signal?.aborted) throw e;
    errors.push(`UI server: ${(e as Error).message}`);
  }
  try {
    const key = archiveKey(t);
    if (!key) throw new KfpError('No archive key: the workflow name or the run date is unknown.', 'malformed');
    const put = sink('archive');
    await src.client.getText('artifacts/get', { source: 'minio', namespace: t.namespace, bucket: 'mlpipeline', key }, signal, 'Read archived log', put);
    return { source: 'archive', skipped: errors };
  } catch (e) {
    if (signal?.aborted) throw e;
    errors.push(`archive: ${(e as Error).message}`);
  }
  throw new Error(`No log for ${t.podName}: ${errors.join('; ')}`);
}

/** The Argo Workflow of a run, found by its label pipeline/runid through the Kubernetes API (undefined when there is none). */
export async function workflowOfRun(conn: K8sConnection, namespace: string, runId: string, signal?: AbortSignal, o: { timeoutMs?: number; maxBytes?: number } = {}): Promise<Record<string, unknown> | undefined> {
  const url = new URL(`${conn.server}/apis/argoproj.io/v1alpha1/namespaces/${encodeURIComponent(namespace)}/workflows?labelSelector=${encodeURIComponent(`pipeline/runid=${runId}`)}`);
  // Every Kubernetes call has a deadline and a size limit, and still stops when the caller cancels.
  const timeoutMs = o.timeoutMs ?? 30_000;
  const max = o.maxBytes ?? 256 * 1024 * 1024;
  const deadline = AbortSignal.timeout(timeoutMs);
  const both = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const c of streamGet(url, conn, both)) {
      size += c.length;
      if (size > max) throw new KfpError(`Kubernetes API: the run's Workflow is larger than ${(max / 1048576).toFixed(0)} MiB; it was not read.`, 'malformed');
      chunks.push(c);
    }
  } catch (e) {
    if (deadline.aborted && !signal?.aborted) throw new KfpError(`Kubernetes API: no answer within ${Math.round(timeoutMs / 1000)} s (${conn.server})`, 'timeout');
    throw e;
  }
  let list: { items?: unknown };
  try { list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { items?: unknown }; } catch { throw new KfpError('Kubernetes API: the workflow list is not JSON', 'malformed'); }
  if (!list || typeof list !== 'object' || (list.items !== undefined && !Array.isArray(list.items))) throw new KfpError('Kubernetes API: the workflow list has no "items" list', 'malformed');
  const first = (list.items as unknown[] | undefined)?.[0];
  return first && typeof first === 'object' ? first as Record<string, unknown> : undefined;
}
