import { promises as fs } from 'node:fs';
import { AuthError, AuthProvider } from './types';

export class NoAuth implements AuthProvider {
  readonly kind = 'none' as const;
  async headers(): Promise<Record<string, string>> { return {}; }
  describe(): string { return 'no credentials'; }
}

export class BearerAuth implements AuthProvider {
  readonly kind = 'bearer' as const;
  constructor(private readonly token: string | undefined) {}
  async headers(): Promise<Record<string, string>> {
    if (!this.token) throw new AuthError('No bearer token is set for this endpoint.', 'Run "Kubeflow Pipelines: Set Endpoint Credential".');
    return { authorization: `Bearer ${this.token.replace(/^Bearer\s+/i, '').trim()}` };
  }
  describe(): string { return this.token ? 'a bearer token from secret storage' : 'a bearer token (not set yet)'; }
}

/**
 * A Kubeflow platform session cookie. The user may paste the bare value (the
 * configured cookie name is used), `name=value`, or a whole Cookie header.
 */
export class CookieAuth implements AuthProvider {
  readonly kind = 'cookie' as const;
  constructor(private readonly value: string | undefined, private readonly cookieName = 'authservice_session') {}
  async headers(): Promise<Record<string, string>> {
    if (!this.value) throw new AuthError('No session cookie is set for this endpoint.', 'Copy the session cookie from the browser where you are signed in to Kubeflow, then run "Kubeflow Pipelines: Set Endpoint Credential".');
    return { cookie: cookieHeader(this.value, this.cookieName) };
  }
  describe(): string { return this.value ? `a session cookie (${cookieNameOf(this.value, this.cookieName)}) from secret storage` : 'a session cookie (not set yet)'; }
}

export function cookieHeader(value: string, defaultName: string): string {
  const v = value.trim().replace(/^cookie:\s*/i, '');
  return v.includes('=') ? v : `${defaultName}=${v}`;
}

function cookieNameOf(value: string, defaultName: string): string {
  const v = value.trim().replace(/^cookie:\s*/i, '');
  return v.includes('=') ? v.split(';').map((p) => p.split('=')[0].trim()).join(', ') : defaultName;
}

/** The identity header a Kubeflow gateway would inject; for direct access to ml-pipeline:8888. */
export class UserHeaderAuth implements AuthProvider {
  readonly kind = 'userHeader' as const;
  constructor(private readonly userId: string | undefined, private readonly headerName = 'kubeflow-userid') {}
  async headers(): Promise<Record<string, string>> {
    if (!this.userId) throw new AuthError('No user identity is set for this endpoint.', 'Set "userId" on the endpoint in the kfp.endpoints setting.');
    return { [this.headerName.toLowerCase()]: this.userId };
  }
  describe(): string { return `the user header ${this.headerName}`; }
}

export const DEFAULT_SA_TOKEN_PATH = '/var/run/secrets/kubeflow/pipelines/token';

/**
 * A projected service-account token (audience pipelines.kubeflow.org), as the SDK
 * reads it in a Kubeflow notebook. Read again on each request: kubelet rotates it.
 */
export class ServiceAccountTokenAuth implements AuthProvider {
  readonly kind = 'serviceAccount' as const;
  readonly path: string;
  constructor(path?: string, env: NodeJS.ProcessEnv = process.env) {
    this.path = path || env.KF_PIPELINES_SA_TOKEN_PATH || DEFAULT_SA_TOKEN_PATH;
  }
  async headers(): Promise<Record<string, string>> {
    let token: string;
    try {
      token = (await fs.readFile(this.path, 'utf8')).trim();
    } catch (e) {
      throw new AuthError(`Cannot read the service-account token at ${this.path}: ${(e as Error).message}`,
        'In a Kubeflow notebook, mount a projected token with audience pipelines.kubeflow.org (a PodDefault), or set "tokenPath".');
    }
    if (!token) throw new AuthError(`The service-account token file ${this.path} is empty.`);
    return { authorization: `Bearer ${token}` };
  }
  async invalidate(): Promise<boolean> { return true; }
  describe(): string { return `the service-account token in ${this.path}`; }
}
