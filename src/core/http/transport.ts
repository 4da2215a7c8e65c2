// A small HTTP client over node:http/https. It is used rather than fetch so that
// a custom CA, per-endpoint TLS verification and proxies can be set per request,
// and so that VS Code's own proxy support (which patches these modules in the
// extension host) applies when no proxy is configured here.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { KfpError } from '../kfp/errors';

export interface TlsOptions {
  /** PEM text of extra CAs to trust. */
  ca?: string;
  /** Only ever false when the user turned verification off for one endpoint. */
  rejectUnauthorized?: boolean;
  /** http(s) proxy URL. */
  proxy?: string;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Refuse an answer larger than this (read whole by request()). */
  maxBytes?: number;
  /** What the request is for, in messages (e.g. "List runs"). */
  what?: string;
  /** Called with each chunk of a successful (2xx) answer as it arrives, before the whole body is returned. */
  onChunk?: (chunk: Buffer) => void;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpTransport {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Streams a response body chunk by chunk (logs, large downloads). */
export interface StreamingTransport {
  stream(req: HttpRequest, onStatus: (status: number) => void): AsyncIterable<Buffer>;
}

export class NodeTransport implements HttpTransport {
  private agents = new Map<string, http.Agent>();

  constructor(private readonly tls: TlsOptions = {}) {}

  private async agentFor(url: URL): Promise<http.Agent> {
    const key = url.protocol;
    const existing = this.agents.get(key);
    if (existing) return existing;
    let agent: http.Agent;
    const secure = url.protocol === 'https:';
    const tlsOpts: https.AgentOptions = {
      keepAlive: true,
      ca: this.tls.ca ? [...tls.rootCertificates, this.tls.ca] : undefined,
      rejectUnauthorized: this.tls.rejectUnauthorized !== false,
    };
    if (this.tls.proxy) {
      if (secure) {
        const { HttpsProxyAgent } = await import('https-proxy-agent');
        agent = new HttpsProxyAgent(this.tls.proxy, tlsOpts) as unknown as http.Agent;
      } else {
        const { HttpProxyAgent } = await import('http-proxy-agent');
        agent = new HttpProxyAgent(this.tls.proxy, { keepAlive: true }) as unknown as http.Agent;
      }
    } else {
      agent = secure ? new https.Agent(tlsOpts) : new http.Agent({ keepAlive: true });
    }
    this.agents.set(key, agent);
    return agent;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: http.IncomingHttpHeaders = {};
    let size = 0;
    const max = req.maxBytes ?? Infinity;
    const tooBig = () => new KfpError(`${req.what ?? `${req.method} ${req.url.pathname}`}: the server's answer is larger than ${(max / 1048576).toFixed(0)} MiB, so it was not read (setting kfp.maxResponseSize).`, 'malformed');
    for await (const chunk of this.open(req, (s, h) => {
      status = s; headers = h;
      // A declared length over the limit is refused before any of the body is read.
      if (Number(h['content-length'] ?? 0) > max) throw tooBig();
    })) {
      size += chunk.length;
      if (size > max) throw tooBig();
      chunks.push(chunk);
      if (req.onChunk && status >= 200 && status < 300) req.onChunk(chunk);
    }
    return { status, headers, body: Buffer.concat(chunks) };
  }

  stream(req: HttpRequest, onStatus: (status: number) => void): AsyncIterable<Buffer> {
    return this.open(req, (s) => onStatus(s));
  }

  private async *open(req: HttpRequest, onHead: (status: number, headers: http.IncomingHttpHeaders) => void): AsyncGenerator<Buffer> {
    const agent = await this.agentFor(req.url);
    const mod = req.url.protocol === 'https:' ? https : http;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    if (req.signal?.aborted) controller.abort();
    let timedOut = false;
    const expire = () => { timedOut = true; controller.abort(); };
    let timer = req.timeoutMs ? setTimeout(expire, req.timeoutMs) : undefined;
    // A streamed answer (onChunk) may take longer than the timeout in all, as long as it keeps coming.
    const idle = Boolean(req.onChunk);
    const describe = `${req.method} ${req.url.origin}${req.url.pathname}`;
    const fail = (err: unknown): KfpError => {
      if (err instanceof KfpError) return err;
      if (timedOut) return new KfpError(`${describe}: no answer within ${Math.round((req.timeoutMs ?? 0) / 1000)} s`, 'timeout');
      if (req.signal?.aborted) return new KfpError(`${describe}: cancelled`, 'cancelled');
      const e = err as NodeJS.ErrnoException;
      const code = e?.code ? ` (${e.code})` : '';
      return new KfpError(`${describe}: ${e?.message ?? String(err)}${code}`, 'network');
    };
    try {
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
        const secure = req.url.protocol === 'https:';
        const r = mod.request(req.url, {
          method: req.method,
          headers: { ...(req.headers ?? {}), ...(body ? { 'content-length': String(body.length) } : {}) },
          agent,
          signal: controller.signal,
          // The target's TLS settings go with the request too: behind a proxy the agent's own options are the
          // proxy connection's, and https-proxy-agent takes the target's from the request (its connect(req, opts)).
          ...(secure ? { ca: this.tls.ca ? [...tls.rootCertificates, this.tls.ca] : undefined, rejectUnauthorized: this.tls.rejectUnauthorized !== false } : {}),
        }, resolve);
        r.on('error', reject);
        if (body) r.write(body);
        r.end();
      });
      try { onHead(res.statusCode ?? 0, res.headers); } catch (e) { res.destroy(); throw e; }
      try {
        for await (const chunk of res) {
          if (idle && timer) { clearTimeout(timer); timer = setTimeout(expire, req.timeoutMs); }
          yield chunk as Buffer;
        }
      } finally {
        if (!res.complete) res.destroy();
      }
      if (!res.complete) {
        throw new KfpError(`${describe}: the connection closed before the answer was complete`, 'network');
      }
    } catch (err) {
      throw fail(err);
    } finally {
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    }
  }

  dispose(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}
