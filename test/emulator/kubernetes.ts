// The Kubernetes API's secrets routes (core/v1), as far as the cluster-credentials
// command uses them. Typed with @kubernetes/client-node's V1Secret / V1Status.
// Behaviours imitated, with where they come from (kubernetes/kubernetes):
// - POST /api/v1/namespaces/{ns}/secrets: 201 with the stored object (uid, resourceVersion, creationTimestamp set);
//   409 AlreadyExists `secrets "NAME" already exists` (staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go
//   NewAlreadyExists); a namespace that does not exist: 404 NotFound `namespaces "NS" not found`
//   (plugin/pkg/admission/namespace/lifecycle/admission.go);
// - GET …/secrets/{name}: 200 or 404 NotFound `secrets "NAME" not found` (errors.go NewNotFound);
// - PUT …/secrets/{name}: replaces; no resourceVersion needed since the secret strategy allows unconditional
//   updates (pkg/registry/core/secret/strategy.go AllowUnconditionalUpdate = true); a stale resourceVersion is a
//   409 Conflict; the name in the body must be the URL's (400 BadRequest); `type` cannot change and an immutable
//   secret's data cannot (422 Invalid, pkg/apis/core/validation/validation.go ValidateSecretUpdate);
// - validation on write (validation.go ValidateSecret): the name a DNS-1123 subdomain, data keys
//   [-._a-zA-Z0-9]+ (IsConfigMapKey), total data under 1 MiB (MaxSecretSize); `stringData` merged into `data`
//   (pkg/apis/core/v1/conversion.go Convert_v1_Secret_To_core_Secret);
// - errors are a v1 Status {kind: Status, status: Failure, message, reason, details, code};
// - a bearer token listed in forbiddenTokens gets 403 Forbidden as RBAC words it
//   (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go forbiddenMessage).
import type { V1Secret, V1Status } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { randomUUID } from 'node:crypto';

export interface KubernetesOptions {
  /** Namespaces that exist (default: kubeflow, default). */
  namespaces?: string[];
  /** Bearer tokens whose user may not touch secrets. */
  forbiddenTokens?: string[];
}

export interface KubeReply { status: number; body: unknown }

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_SECRET_SIZE = 1024 * 1024;

export class KubernetesSecrets {
  readonly secrets = new Map<string, V1Secret>();
  readonly namespaces: Set<string>;
  private version = 1000;

  constructor(private readonly options: KubernetesOptions = {}) {
    this.namespaces = new Set(options.namespaces ?? ['kubeflow', 'default']);
  }

  /** The reply for a secrets route, or undefined when the path is not one. */
  handle(method: string, pathname: string, body: Buffer, authorization?: string): KubeReply | undefined {
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(pathname);
    if (!m) return undefined;
    const ns = decodeURIComponent(m[1]);
    const name = m[2] ? decodeURIComponent(m[2]) : undefined;
    const verb = method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method === 'GET' ? (name ? 'get' : 'list') : method === 'DELETE' ? 'delete' : '';
    if (!verb) return status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (token && this.options.forbiddenTokens?.includes(token)) {
      return status(403, 'Forbidden', `secrets${name ? ` "${name}"` : ''} is forbidden: User "system:serviceaccount:${ns}:limited" cannot ${verb} resource "secrets" in API group "" in the namespace "${ns}"`, { name, kind: 'secrets' });
    }
    const key = (n: string) => `${ns}/${n}`;
    if (method === 'GET' && name) {
      const s = this.secrets.get(key(name));
      return s ? { status: 200, body: s } : notFound(name);
    }
    if (method === 'GET') return { status: 200, body: { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: String(this.version) }, items: [...this.secrets.values()].filter((s) => s.metadata?.namespace === ns) } };
    if (method === 'DELETE' && name) {
      const s = this.secrets.get(key(name));
      if (!s) return notFound(name);
      this.secrets.delete(key(name));
      return { status: 200, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: 'secrets', uid: s.metadata?.uid } } };
    }
    let obj: V1Secret;
    try { obj = JSON.parse(body.toString('utf8')) as V1Secret; } catch (e) { return status(400, 'BadRequest', `json: ${(e as Error).message}`); }
    if (method === 'POST') {
      if (!this.namespaces.has(ns)) return status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
      const n = obj.metadata?.name ?? '';
      const invalid = validate(obj);
      if (invalid) return invalidStatus(n, invalid);
      if (this.secrets.has(key(n))) return status(409, 'AlreadyExists', `secrets "${n}" already exists`, { name: n, kind: 'secrets' });
      const stored = this.store(ns, obj, { uid: randomUUID(), creationTimestamp: new Date() });
      return { status: 201, body: stored };
    }
    if (method === 'PUT' && name) {
      const old = this.secrets.get(key(name));
      if (obj.metadata?.name !== name) return status(400, 'BadRequest', `the name of the object (${obj.metadata?.name ?? ''}) does not match the name on the URL (${name})`);
      if (!old) return notFound(name);
      if (obj.metadata?.resourceVersion && obj.metadata.resourceVersion !== old.metadata?.resourceVersion) {
        return status(409, 'Conflict', `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: 'secrets' });
      }
      const invalid = validate(obj) ?? ((obj.type ?? 'Opaque') !== (old.type ?? 'Opaque') ? `type: Invalid value: "${obj.type}": field is immutable` : undefined)
        ?? (old.immutable && JSON.stringify(merged(obj)) !== JSON.stringify(old.data ?? {}) ? 'data: Forbidden: field is immutable when `immutable` is set' : undefined);
      if (invalid) return invalidStatus(name, invalid);
      return { status: 200, body: this.store(ns, obj, { uid: old.metadata?.uid, creationTimestamp: old.metadata?.creationTimestamp }) };
    }
    return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  private store(ns: string, obj: V1Secret, keep: { uid?: string; creationTimestamp?: Date }): V1Secret {
    const s: V1Secret = {
      apiVersion: 'v1', kind: 'Secret', type: obj.type ?? 'Opaque', immutable: obj.immutable,
      metadata: { ...obj.metadata, namespace: ns, uid: keep.uid, creationTimestamp: keep.creationTimestamp, resourceVersion: String(++this.version), managedFields: undefined },
      data: merged(obj),
    };
    this.secrets.set(`${ns}/${obj.metadata!.name}`, s);
    return s;
  }
}

/** data with stringData merged in (stringData wins), as the apiserver stores it. */
function merged(obj: V1Secret): Record<string, string> {
  const data = { ...(obj.data ?? {}) };
  for (const [k, v] of Object.entries(obj.stringData ?? {})) data[k] = Buffer.from(v, 'utf8').toString('base64');
  return data;
}

function validate(obj: V1Secret): string | undefined {
  const n = obj.metadata?.name ?? '';
  if (!n) return 'metadata.name: Required value: name or generateName is required';
  if (n.length > 253 || !DNS_SUBDOMAIN.test(n)) return `metadata.name: Invalid value: "${n}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`;
  let size = 0;
  for (const [k, v] of Object.entries(merged(obj))) {
    if (!DATA_KEY.test(k) || k === '.' || k === '..') return `data[${k}]: Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return `data[${k}]: illegal base64 data`;
    size += Buffer.from(v, 'base64').length;
  }
  if (size > MAX_SECRET_SIZE) return `data: Too long: must have at most ${MAX_SECRET_SIZE} bytes`;
  return undefined;
}

function status(code: number, reason: string, message: string, details?: { name?: string; kind?: string }): KubeReply {
  const body: V1Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) };
  return { status: code, body };
}
const notFound = (name: string) => status(404, 'NotFound', `secrets "${name}" not found`, { name, kind: 'secrets' });
const invalidStatus = (name: string, cause: string) => status(422, 'Invalid', `Secret "${name}" is invalid: ${cause}`, { name, kind: 'Secret' });
