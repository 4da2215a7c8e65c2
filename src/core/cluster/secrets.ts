// The cluster credentials a pipeline's steps mount (the article's step 2a): a
// Kubernetes secret holding a Google service-account key, created or replaced in
// the KFP namespace through @kubernetes/client-node with the user's kubeconfig.
// The key's text goes into the request body and nowhere else: results and errors
// name the service account (client_email) and the key's ID only.
//
// Names and paths follow the SDKs that mount it:
// - KFP v1 `kfp.gcp.use_gcp_secret(secret_name='user-gcp-sa', secret_file_path_in_volume=None,
//   secret_volume_mount_path='/secret/gcp-credentials')` mounts the secret there and sets
//   GOOGLE_APPLICATION_CREDENTIALS to MOUNT + '/' + secret_name + '.json' (sdk/python/kfp/gcp.py, KFP 1.8):
//   the key inside the secret must be named `{secret}.json`;
// - KFP v2 `kfp.kubernetes.use_secret_as_volume(task, secret_name, mount_path)` and `use_secret_as_env(task,
//   secret_name, secret_key_to_env)` (kubernetes_platform/python/kfp/kubernetes/secret.py) mount or expose it
//   as it is, so the same key name works when GOOGLE_APPLICATION_CREDENTIALS points at it.
import type * as k8sTypes from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { loadKubernetes } from '../util/lazy';

export const DEFAULT_SECRET = 'user-gcp-sa';
export const V1_MOUNT_PATH = '/secret/gcp-credentials';
export const MANAGED_BY = 'kfp-vscode';

export interface ServiceAccountKeyInfo { clientEmail: string; projectId?: string; privateKeyId?: string }

/** What a key file is, without keeping any of its secret parts. Throws with the fix when it is not a service-account key. */
export function describeServiceAccountKey(text: string): ServiceAccountKeyInfo {
  let j: Record<string, unknown>;
  try { j = JSON.parse(text) as Record<string, unknown>; } catch { throw new Error('The file is not JSON: pick the service-account key file (JSON) that `gcloud iam service-accounts keys create KEY.json --iam-account=SA_EMAIL` writes.'); }
  if (!j || typeof j !== 'object' || Array.isArray(j)) throw new Error('The file is not a service-account key (a JSON object with type "service_account").');
  if (j.type === 'authorized_user') throw new Error('This is a user credential (from `gcloud auth application-default login`), not a service-account key: steps in the cluster need a key of a service account (`gcloud iam service-accounts keys create`), or better, Workload Identity.');
  if (j.type === 'external_account') throw new Error('This is a workload identity federation configuration, not a key: it cannot be mounted as user-gcp-sa. Use Workload Identity for the pipeline\'s Kubernetes service account instead.');
  if (j.type !== 'service_account') throw new Error(`The file's type is ${JSON.stringify(j.type ?? null)}, not "service_account": pick a service-account key file.`);
  if (typeof j.client_email !== 'string' || !j.client_email) throw new Error('The key has no client_email: the file is incomplete.');
  if (typeof j.private_key !== 'string' || !/BEGIN (RSA )?PRIVATE KEY/.test(j.private_key)) throw new Error(`The key of ${j.client_email} has no private_key: the file is incomplete.`);
  return { clientEmail: j.client_email, projectId: typeof j.project_id === 'string' ? j.project_id : undefined, privateKeyId: typeof j.private_key_id === 'string' ? j.private_key_id : undefined };
}

// Kubernetes object names (a DNS-1123 subdomain) and secret data keys (IsConfigMapKey), as the apiserver validates them.
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

export function checkSecretName(name: string): string | undefined {
  if (!name) return 'A secret needs a name.';
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) return `"${name}" is not a valid secret name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit.`;
  return undefined;
}

export function checkDataKey(key: string): string | undefined {
  if (!key || key.length > 253 || !DATA_KEY.test(key) || key === '.' || key === '..') return `"${key}" is not a valid key inside a secret: letters, digits, "-", "_" and ".".`;
  return undefined;
}

export interface SecretRequest {
  name: string;
  namespace: string;
  /** The key file's text. */
  keyText: string;
  /** The file name inside the secret (default `{name}.json`, where use_gcp_secret looks). */
  dataKey?: string;
}

/** The Secret object to send: type Opaque, the key base64 under `{name}.json`, labelled as ours. */
export function secretManifest(r: SecretRequest, info: ServiceAccountKeyInfo): k8sTypes.V1Secret {
  return {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name: r.name, namespace: r.namespace, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY }, annotations: { 'kfp-vscode/service-account': info.clientEmail, ...(info.privateKeyId ? { 'kfp-vscode/key-id': info.privateKeyId } : {}) } },
    data: { [r.dataKey ?? `${r.name}.json`]: Buffer.from(r.keyText, 'utf8').toString('base64') },
  };
}

/** The calls used, so the logic can be tested against any server. */
export interface SecretApi {
  server: string;
  context?: string;
  read(namespace: string, name: string): Promise<k8sTypes.V1Secret | undefined>;
  create(namespace: string, body: k8sTypes.V1Secret): Promise<k8sTypes.V1Secret>;
  replace(namespace: string, name: string, body: k8sTypes.V1Secret): Promise<k8sTypes.V1Secret>;
}

export interface ExistingSecret { type?: string; keys: string[]; serviceAccount?: string; managedByUs: boolean; immutable: boolean; created?: string }

export function describeExisting(s: k8sTypes.V1Secret): ExistingSecret {
  return {
    type: s.type, keys: Object.keys(s.data ?? {}), serviceAccount: s.metadata?.annotations?.['kfp-vscode/service-account'],
    managedByUs: s.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY, immutable: s.immutable === true,
    created: s.metadata?.creationTimestamp ? new Date(s.metadata.creationTimestamp as unknown as string).toISOString() : undefined,
  };
}

export interface ApplyResult { action: 'created' | 'replaced'; name: string; namespace: string; dataKey: string; serviceAccount: string; resourceVersion?: string; previous?: ExistingSecret }

/**
 * Creates the secret, or replaces it when it exists and `confirmReplace` agrees
 * (it is told what is there now). A secret of another type or an immutable one
 * is never replaced: the apiserver refuses both, and deleting it is the user's call.
 */
export async function applySecret(api: SecretApi, r: SecretRequest, confirmReplace: (existing: ExistingSecret) => Promise<boolean>): Promise<ApplyResult | { cancelled: true; previous: ExistingSecret }> {
  const bad = checkSecretName(r.name) ?? checkDataKey(r.dataKey ?? `${r.name}.json`);
  if (bad) throw new Error(bad);
  const info = describeServiceAccountKey(r.keyText);
  const body = secretManifest(r, info);
  const dataKey = Object.keys(body.data!)[0];
  const where = `namespace ${r.namespace} of ${api.server}${api.context ? ` (context ${api.context})` : ''}`;
  try {
    const made = await api.create(r.namespace, body);
    return { action: 'created', name: r.name, namespace: r.namespace, dataKey, serviceAccount: info.clientEmail, resourceVersion: made.metadata?.resourceVersion };
  } catch (e) {
    if (statusOf(e) !== 409) throw explain(e, `create secret ${r.name} in ${where}`, r.namespace);
  }
  const now = await api.read(r.namespace, r.name).catch((e) => { throw explain(e, `read secret ${r.name} in ${where}`, r.namespace); });
  if (!now) throw new Error(`Secret ${r.name} was reported to exist in ${where} but cannot be read: try again.`);
  const previous = describeExisting(now);
  if (previous.immutable) throw new Error(`Secret ${r.name} in ${where} is immutable: Kubernetes refuses to change it. Delete it first (kubectl -n ${r.namespace} delete secret ${r.name}) if it should go.`);
  if (previous.type && previous.type !== 'Opaque') throw new Error(`Secret ${r.name} in ${where} is of type ${previous.type}, not Opaque; its type cannot change. Pick another name, or delete it first (kubectl -n ${r.namespace} delete secret ${r.name}).`);
  if (!await confirmReplace(previous)) return { cancelled: true, previous };
  try {
    const put = await api.replace(r.namespace, r.name, body);
    return { action: 'replaced', name: r.name, namespace: r.namespace, dataKey, serviceAccount: info.clientEmail, resourceVersion: put.metadata?.resourceVersion, previous };
  } catch (e) { throw explain(e, `replace secret ${r.name} in ${where}`, r.namespace); }
}

/** The HTTP status of a client-node ApiException (or of our own errors). */
export function statusOf(e: unknown): number | undefined {
  const c = (e as { code?: unknown; statusCode?: unknown })?.code ?? (e as { statusCode?: unknown })?.statusCode;
  return typeof c === 'number' ? c : undefined;
}

/** A Kubernetes failure as one sentence with the fix; the request body (the key) is never part of it. */
export function explain(e: unknown, what: string, namespace: string): Error {
  const code = statusOf(e);
  let message = '';
  const body = (e as { body?: unknown })?.body;
  try { message = String((typeof body === 'string' ? JSON.parse(body) : body as { message?: string })?.message ?? ''); } catch { message = typeof body === 'string' ? body.slice(0, 300) : ''; }
  if (code === 401) return new Error(`Could not ${what}: the cluster did not accept the kubeconfig's credentials (401). Log in again (e.g. gcloud container clusters get-credentials CLUSTER) and retry.`);
  if (code === 403) return new Error(`Could not ${what}: ${message || 'forbidden'}. Your kubeconfig user needs a Role in ${namespace} that allows get, create and update on secrets (e.g. the "edit" ClusterRole bound there).`);
  if (code === 404) return new Error(`Could not ${what}: ${message || 'not found'}. Check the namespace: KFP's is "kubeflow" for a standalone install, the user's profile namespace on multi-user Kubeflow (the endpoint's "namespace").`);
  if (code === 422) return new Error(`Could not ${what}: the cluster refused the object: ${message}`);
  if (code) return new Error(`Could not ${what}: HTTP ${code}${message ? `: ${message}` : ''}`);
  const m = (e as Error)?.message ?? String(e);
  if (/HTTP protocol is not allowed/.test(m)) return new Error(`Could not ${what}: the cluster's server is plain HTTP, which @kubernetes/client-node only talks to when the kubeconfig cluster sets insecure-skip-tls-verify: true (e.g. a kubectl proxy on localhost).`);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|fetch failed/i.test(m)) return new Error(`Could not ${what}: no cluster answers (${m.split('\n')[0]}). Check the kubeconfig's current context, or set the endpoint's kubeContext.`);
  return new Error(`Could not ${what}: ${m.split('\n')[0]}`);
}

/** A SecretApi over @kubernetes/client-node's CoreV1Api with the kubeconfig (default or file) and context given. */
export async function kubeconfigSecretApi(o: { context?: string; file?: string } = {}): Promise<SecretApi> {
  const k8s = await loadKubernetes();
  const kc = new k8s.KubeConfig();
  try { if (o.file) kc.loadFromFile(o.file); else kc.loadFromDefault(); } catch (e) { throw new Error(`Cannot read the kubeconfig: ${(e as Error).message}. Check KUBECONFIG or ~/.kube/config.`); }
  if (o.context) {
    if (!kc.getContexts().some((c) => c.name === o.context)) throw new Error(`The kubeconfig has no context named "${o.context}" (contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}).`);
    kc.setCurrentContext(o.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !kc.getContexts().length) throw new Error('The kubeconfig has no cluster: get one with e.g. `gcloud container clusters get-credentials CLUSTER --region REGION`.');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  return {
    server: cluster.server, context: kc.getCurrentContext(),
    read: async (namespace, name) => {
      try { return await core.readNamespacedSecret({ name, namespace }); } catch (e) { if (statusOf(e) === 404) return undefined; throw e; }
    },
    create: (namespace, body) => core.createNamespacedSecret({ namespace, body, fieldManager: MANAGED_BY }),
    replace: (namespace, name, body) => core.replaceNamespacedSecret({ name, namespace, body, fieldManager: MANAGED_BY }),
  };
}

export interface SecretUse {
  /** The secret's name; undefined when the code computes it. */
  name?: string;
  kind: 'use_gcp_secret' | 'use_secret_as_volume' | 'use_secret_as_env';
  line: number;
  start: number;
  end: number;
  mountPath?: string;
}

/**
 * Where pipeline code mounts a secret: v1 `use_gcp_secret(…)` (default name user-gcp-sa), v2
 * `kubernetes.use_secret_as_volume(task, secret_name=…, mount_path=…)` and `use_secret_as_env(…)`.
 * Arguments are read when they are string literals (positional or by keyword), on one or more lines.
 */
export function findSecretUses(text: string): SecretUse[] {
  const out: SecretUse[] = [];
  const re = /\b(use_gcp_secret|use_secret_as_volume|use_secret_as_env)\s*\(/g;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineOf = (at: number) => { let lo = 0, hi = lineStarts.length - 1; while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid] <= at) lo = mid; else hi = mid - 1; } return lo; };
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const kind = m[1] as SecretUse['kind'];
    const lineStart = lineStarts[lineOf(m.index)];
    if (/^\s*(#|def\s|import\s|from\s)/.test(text.slice(lineStart, m.index + m[0].length))) continue;
    const args = callArgs(text, m.index + m[0].length);
    if (!args) continue;
    const lit = (s?: string) => { const x = s && /^\s*(?:[rRuU])?(['"])([^'"\\\n]*)\1\s*$/.exec(s); return x ? x[2] : undefined; };
    const kw = (k: string) => args.find((a) => new RegExp(`^\\s*${k}\\s*=`).test(a))?.replace(new RegExp(`^\\s*${k}\\s*=`), '');
    const positional = args.filter((a) => !/^\s*\w+\s*=/.test(a));
    let name: string | undefined;
    let mountPath: string | undefined;
    if (kind === 'use_gcp_secret') {
      const given = kw('secret_name') ?? positional[0];
      name = given === undefined || !given.trim() ? DEFAULT_SECRET : lit(given);
      mountPath = lit(kw('secret_volume_mount_path') ?? positional[3]) ?? V1_MOUNT_PATH;
    } else {
      // use_secret_as_volume(task, secret_name, mount_path, optional=False); use_secret_as_env(task, secret_name, secret_key_to_env)
      name = lit(kw('secret_name') ?? positional[1]);
      if (kind === 'use_secret_as_volume') mountPath = lit(kw('mount_path') ?? positional[2]);
    }
    out.push({ name, kind, line: lineOf(m.index), start: m.index - lineStart, end: m.index - lineStart + m[1].length, mountPath });
  }
  return out;
}

/** The top-level arguments of a call whose "(" ends at `from`, split at commas outside brackets and strings. */
function callArgs(text: string, from: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0, quote = '', cur = '';
  for (let i = from; i < text.length && i < from + 4000; i++) {
    const ch = text[i];
    if (quote) { cur += ch; if (ch === '\\') { cur += text[++i] ?? ''; continue; } if (ch === quote) quote = ''; continue; }
    if (ch === '"' || ch === '\'') { quote = ch; cur += ch; continue; }
    if (ch === '#') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) { if (cur.trim()) args.push(cur); return args; }
      depth--;
    }
    if (ch === ',' && depth === 0) { args.push(cur); cur = ''; continue; }
    cur += ch;
  }
  return undefined;
}
