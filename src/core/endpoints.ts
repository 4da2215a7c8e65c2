// Endpoint settings (kfp.endpoints) and how each becomes a client. Secrets
// (tokens, cookies) are not part of the settings: the caller passes the one it
// read from secret storage.
import { promises as fs } from 'node:fs';
import { AuthKind, AUTH_KINDS, AuthProvider } from './auth/types';
import { BearerAuth, CookieAuth, NoAuth, ServiceAccountTokenAuth, UserHeaderAuth } from './auth/simple';
import { KubeconfigAuth } from './auth/kubeconfig';
import { adcHeaders, GoogleAuthProvider, GOOGLE_HOST_PROBLEM, isGoogleAccessTokenHost } from './auth/google';
import { HttpTransport, NodeTransport } from './http/transport';
import { KfpClient } from './kfp/client';
import { googleRoots, VertexClient } from './vertex/client';
import { labelProblem } from './vertex/runs';

export type EndpointKind = 'kfp' | 'vertex';

export interface EndpointConfig {
  name: string;
  /** A KFP server (default) or Vertex AI Pipelines. */
  kind?: EndpointKind;
  /** KFP: the server's URL. Vertex: the API root it talks to (filled in). */
  url: string;
  /** Vertex: the Google Cloud project ID. */
  project?: string;
  /** Vertex: the region (us-central1, europe-west4, …). */
  region?: string;
  /** Vertex: gs:// folder for run outputs (runtimeConfig.gcsOutputDirectory). */
  pipelineRoot?: string;
  /** Vertex: the service account runs act as. */
  serviceAccount?: string;
  /** Vertex: projects/NUMBER/global/networks/NAME for peered runs. */
  network?: string;
  /** Vertex: KFP template repository, https://REGION-kfp.pkg.dev/PROJECT/REPO. */
  templateRepository?: string;
  /** Vertex: the Vertex AI Experiment each run is linked to (created when missing). */
  experiment?: string;
  /** Vertex: labels put on every run. */
  labels?: Record<string, string>;
  /** Vertex: a root serving the Vertex AI, Cloud Logging and Artifact Registry APIs instead of Google's (private endpoint, emulator); it gets no credentials. */
  apiRoot?: string;
  auth?: AuthKind;
  namespace?: string;
  cookieName?: string;
  userHeaderName?: string;
  userId?: string;
  tokenPath?: string;
  kubeContext?: string;
  iapClientId?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  proxy?: string;
  uiUrl?: string;
}

/** Auth kinds whose credential the user types in and the extension keeps in secret storage. */
export const SECRET_AUTH_KINDS: ReadonlySet<AuthKind> = new Set(['bearer', 'cookie']);

export interface EndpointProblem { endpoint: string; message: string }

/** Reads the raw setting; returns the valid endpoints and a message per bad one. */
export function parseEndpoints(raw: unknown): { endpoints: EndpointConfig[]; problems: EndpointProblem[] } {
  const endpoints: EndpointConfig[] = [];
  const problems: EndpointProblem[] = [];
  if (!Array.isArray(raw)) return { endpoints, problems: raw === undefined ? [] : [{ endpoint: '(kfp.endpoints)', message: 'must be a list of endpoints' }] };
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const label = `kfp.endpoints[${i}]`;
    if (!item || typeof item !== 'object') { problems.push({ endpoint: label, message: 'is not an object' }); return; }
    const e = item as Record<string, unknown>;
    const name = typeof e.name === 'string' ? e.name.trim() : '';
    if (!name) { problems.push({ endpoint: label, message: 'has no "name"' }); return; }
    if (seen.has(name)) { problems.push({ endpoint: name, message: 'is defined twice; the second one is ignored' }); return; }
    if (e.kind === 'vertex') {
      const v = parseVertex(name, e);
      if (typeof v === 'string') problems.push({ endpoint: name, message: v });
      else { seen.add(name); endpoints.push(v); }
      return;
    }
    if (e.kind !== undefined && e.kind !== 'kfp') { problems.push({ endpoint: name, message: `has an unknown kind "${String(e.kind)}" (kfp or vertex)` }); return; }
    const problem = validateUrl(typeof e.url === 'string' ? e.url : '');
    if (problem) { problems.push({ endpoint: name, message: problem }); return; }
    const auth = (e.auth ?? 'none') as AuthKind;
    if (!AUTH_KINDS.includes(auth)) { problems.push({ endpoint: name, message: `has an unknown auth kind "${String(e.auth)}" (one of ${AUTH_KINDS.join(', ')})` }); return; }
    const iap = typeof e.iapClientId === 'string' && e.iapClientId.trim();
    if (auth === 'google' && !iap && !isGoogleAccessTokenHost((e.url as string).trim())) {
      problems.push({ endpoint: name, message: GOOGLE_HOST_PROBLEM });
      return;
    }
    seen.add(name);
    const str = (k: string) => (typeof e[k] === 'string' && (e[k] as string).trim() ? (e[k] as string).trim() : undefined);
    endpoints.push({
      name, url: (e.url as string).trim(), auth,
      namespace: str('namespace'), cookieName: str('cookieName'), userHeaderName: str('userHeaderName'), userId: str('userId'),
      tokenPath: str('tokenPath'), kubeContext: str('kubeContext'), iapClientId: str('iapClientId'), caFile: str('caFile'),
      insecureSkipTlsVerify: e.insecureSkipTlsVerify === true, proxy: str('proxy'), uiUrl: str('uiUrl'),
    });
  });
  return { endpoints, problems };
}

/** A Vertex AI endpoint from its settings, or what is wrong with them. */
function parseVertex(name: string, e: Record<string, unknown>): EndpointConfig | string {
  const str = (k: string) => (typeof e[k] === 'string' && (e[k] as string).trim() ? (e[k] as string).trim() : undefined);
  const project = str('project');
  const region = str('region');
  if (!project) return 'is a Vertex AI endpoint without "project" (the Google Cloud project ID)';
  if (!/^([a-z0-9.-]+:)?[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(project)) return `has the project "${project}", which is not a project ID (6 to 30 lowercase letters, digits or "-", starting with a letter): give the ID, not the name or number`;
  if (!region) return 'is a Vertex AI endpoint without "region" (e.g. us-central1)';
  if (!/^[a-z]+(-[a-z]+)*\d*$/.test(region)) return `has the region "${region}", which is not a region name (e.g. us-central1, europe-west4)`;
  const pipelineRoot = str('pipelineRoot');
  if (pipelineRoot && !/^gs:\/\/[a-z0-9][a-z0-9._-]{1,221}[a-z0-9](\/.*)?$/.test(pipelineRoot)) return `has the pipelineRoot "${pipelineRoot}", which is not a gs://BUCKET/PATH URI (bucket names have 3 to 222 lowercase letters, digits, ".", "-" or "_")`;
  const network = str('network');
  if (network && !/^projects\/[^/]+\/global\/networks\/[^/]+$/.test(network)) return `has the network "${network}": give projects/PROJECT_NUMBER/global/networks/NAME`;
  const apiRoot = str('apiRoot');
  if (apiRoot) { const p = validateUrl(apiRoot); if (p) return `apiRoot ${p.replace(/^has no "url"$/, 'is empty')}`; }
  const templateRepository = str('templateRepository');
  if (templateRepository) {
    let u: URL | undefined;
    try { u = new URL(templateRepository); } catch { /* below */ }
    if (!u || !/^https?:$/.test(u.protocol) || u.pathname.split('/').filter(Boolean).length < 2) return `has the templateRepository "${templateRepository}": give https://REGION-kfp.pkg.dev/PROJECT/REPOSITORY`;
  }
  let labels: Record<string, string> | undefined;
  if (e.labels !== undefined) {
    if (!e.labels || typeof e.labels !== 'object' || Array.isArray(e.labels) || Object.values(e.labels).some((x) => typeof x !== 'string')) return 'has "labels" that are not an object of strings';
    labels = e.labels as Record<string, string>;
    const p = labelProblem(labels);
    if (p) return `has a ${p}`;
  }
  const experiment = str('experiment');
  if (experiment && !/^[a-z0-9][a-z0-9-]{0,127}$/.test(experiment)) return `has the experiment "${experiment}": an experiment name holds lowercase letters, digits and "-"`;
  const serviceAccount = str('serviceAccount');
  if (serviceAccount && !/^[^@\s]+@[^@\s]+$/.test(serviceAccount)) return `has the serviceAccount "${serviceAccount}", which is not an e-mail address`;
  return {
    name, kind: 'vertex', project, region, pipelineRoot, network, apiRoot, templateRepository, labels, serviceAccount, experiment,
    url: apiRoot ?? googleRoots(region).aiplatform, uiUrl: 'https://console.cloud.google.com/vertex-ai/pipelines',
  };
}

export function isVertex(e: EndpointConfig | undefined): boolean { return e?.kind === 'vertex'; }

/** A message when `url` cannot be an endpoint URL, else undefined. */
export function validateUrl(url: string): string | undefined {
  const u = url.trim();
  if (!u) return 'has no "url"';
  let parsed: URL;
  try { parsed = new URL(u); } catch { return `"${u}" is not a URL: give e.g. http://localhost:8080 or https://kubeflow.example.com/pipeline`; }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `"${u}" must start with http:// or https://`;
  if (parsed.search || parsed.hash) return `"${u}" should not have a query or # part`;
  if (/\/apis\/v[12]beta1\/?$/.test(parsed.pathname)) return `"${u}" should be the host, without /apis/…: the extension adds the API path`;
  return undefined;
}

/** Google-hosted inverse proxy hosts, where the SDK sends an ADC access token. */
export function isInverseProxyHost(url: string): boolean {
  try { return /\S+\.googleusercontent\.com$/.test(new URL(url).hostname); } catch { return false; }
}

export interface ClientDeps {
  /** The endpoint's token or cookie from secret storage. */
  secret?: string;
  /** When false (untrusted workspace), settings that point at files are ignored. */
  trusted?: boolean;
  transport?: HttpTransport;
  timeoutMs?: number;
  /** Largest answer read in one request. */
  maxResponseBytes?: number;
  env?: NodeJS.ProcessEnv;
}

export function authProviderFor(e: EndpointConfig, deps: ClientDeps = {}): AuthProvider {
  const trusted = deps.trusted !== false;
  switch (e.auth ?? 'none') {
    case 'none': return new NoAuth();
    case 'bearer': return new BearerAuth(deps.secret);
    case 'cookie': return new CookieAuth(deps.secret, e.cookieName);
    case 'userHeader': return new UserHeaderAuth(e.userId, e.userHeaderName);
    case 'serviceAccount': return new ServiceAccountTokenAuth(trusted ? e.tokenPath : undefined, deps.env);
    case 'kubeconfig': return new KubeconfigAuth(e.kubeContext);
    case 'google': return new GoogleAuthProvider(e.iapClientId, undefined, undefined, e.url);
  }
}

/** The Vertex AI client of a vertex endpoint: Google's regional hosts with ADC headers (quota project included), or the apiRoot without credentials. */
export function vertexClientFor(e: EndpointConfig, deps: ClientDeps & { headers?: (url: URL) => Promise<Record<string, string>> } = {}): VertexClient {
  if (!isVertex(e) || !e.project || !e.region) throw new Error(`Endpoint "${e.name}" is not a Vertex AI endpoint.`);
  const root = e.apiRoot?.replace(/\/+$/, '');
  const roots = root ? { aiplatform: root, logging: root, artifactRegistry: root } : googleRoots(e.region);
  return new VertexClient({ project: e.project, region: e.region }, deps.transport ?? new NodeTransport({ proxy: e.proxy }), roots, deps.headers ?? adcHeaders(), { timeoutMs: deps.timeoutMs, maxBytes: deps.maxResponseBytes });
}

export async function clientFor(e: EndpointConfig, deps: ClientDeps = {}): Promise<KfpClient> {
  let transport = deps.transport;
  if (!transport) {
    let ca: string | undefined;
    if (e.caFile && deps.trusted !== false) {
      try { ca = await fs.readFile(e.caFile, 'utf8'); } catch (err) {
        throw new Error(`Endpoint "${e.name}": cannot read caFile ${e.caFile}: ${(err as Error).message}`);
      }
    }
    transport = new NodeTransport({ ca, rejectUnauthorized: !e.insecureSkipTlsVerify, proxy: e.proxy });
  }
  return new KfpClient({
    baseUrl: e.url,
    auth: authProviderFor(e, deps),
    transport,
    namespace: e.namespace,
    timeoutMs: deps.timeoutMs,
    maxResponseBytes: deps.maxResponseBytes,
  });
}
