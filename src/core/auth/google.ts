// Google credentials for KFP hosted behind IAP (an OIDC ID token whose audience
// is the IAP OAuth client ID) or behind the inverse proxy at
// *.googleusercontent.com (an OAuth access token), both through application
// default credentials (google-auth-library), as the KFP SDK does. Tokens are
// cached and refreshed a few minutes before they expire: IAP ID tokens live
// about an hour (kubeflow/pipelines #4321, #5145).
import { AuthError, AuthProvider } from './types';
import { loadGoogleAuth } from '../util/lazy';

export const GOOGLE_HOST_PROBLEM = 'uses Google credentials without an iapClientId: a Google access token (which can act on your whole Google Cloud account) is sent only to https://*.googleusercontent.com (KFP\'s inverse proxy) or Google API hosts. For KFP behind IAP set "iapClientId" to the IAP OAuth client ID; for any other server pick another auth kind';

/** Where a Google OAuth access token may be sent: HTTPS to the KFP inverse proxy (*.googleusercontent.com) or to Google API hosts. */
export function isGoogleAccessTokenHost(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && /(^|\.)(googleusercontent\.com|googleapis\.com)$/.test(u.hostname) && !u.username;
  } catch { return false; }
}

export interface GoogleToken {
  token: string;
  /** Milliseconds since the epoch; undefined when unknown. */
  expiresAt?: number;
}

export interface GoogleTokenSource {
  idToken(audience: string): Promise<GoogleToken>;
  accessToken(): Promise<GoogleToken>;
}

export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** Reads `exp` of a JWT without verifying it (the server verifies). */
export function jwtExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export class AdcTokenSource implements GoogleTokenSource {
  private authPromise?: Promise<import('google-auth-library').GoogleAuth>;
  private auth() {
    this.authPromise ??= loadGoogleAuth().then((g) => new g.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }));
    return this.authPromise;
  }
  async idToken(audience: string): Promise<GoogleToken> {
    const client = await (await this.auth()).getIdTokenClient(audience);
    const token = await client.idTokenProvider.fetchIdToken(audience);
    return { token, expiresAt: jwtExpiry(token) };
  }
  async accessToken(): Promise<GoogleToken> {
    const client = await (await this.auth()).getClient();
    const res = await client.getAccessToken();
    if (!res.token) throw new Error('application default credentials gave no access token');
    const expiry = (client as { credentials?: { expiry_date?: number | null } }).credentials?.expiry_date ?? undefined;
    return { token: res.token, expiresAt: expiry ?? undefined };
  }
}

/**
 * Request headers from application default credentials for a Google API URL: the bearer token and, for user
 * credentials with a quota project, x-goog-user-project (google-auth-library's getRequestHeaders). Wrapped in an
 * AuthError that says how to sign in.
 */
export function adcHeaders(): (url: URL) => Promise<Record<string, string>> {
  let auth: Promise<import('google-auth-library').GoogleAuth> | undefined;
  return async (url) => {
    try {
      auth ??= loadGoogleAuth().then((g) => new g.GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }));
      const client = await (await auth).getClient();
      const h = await client.getRequestHeaders(url.toString());
      const out: Record<string, string> = {};
      h.forEach((v, k) => { out[k] = v; });
      return out;
    } catch (e) {
      auth = undefined;
      throw new AuthError(`Could not get Google credentials: ${(e as Error).message}`,
        'Run "gcloud auth application-default login" (or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key), then retry.');
    }
  };
}

export class GoogleAuthProvider implements AuthProvider {
  readonly kind = 'google' as const;
  private cached?: GoogleToken;
  private pending?: Promise<GoogleToken>;

  constructor(
    private readonly iapClientId: string | undefined,
    private readonly source: GoogleTokenSource = new AdcTokenSource(),
    private readonly now: () => number = Date.now,
    /** The endpoint the token goes to: without an IAP client ID, only Google hosts get an access token. */
    private readonly url?: string,
  ) {}

  private async token(): Promise<GoogleToken> {
    const c = this.cached;
    if (c && (c.expiresAt === undefined || c.expiresAt - this.now() > REFRESH_MARGIN_MS)) return c;
    this.pending ??= (async () => {
      try {
        const t = this.iapClientId ? await this.source.idToken(this.iapClientId) : await this.source.accessToken();
        this.cached = t;
        return t;
      } catch (e) {
        throw new AuthError(`Could not get Google credentials: ${(e as Error).message}`,
          'Run "gcloud auth application-default login" (or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key), then retry.');
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  async headers(): Promise<Record<string, string>> {
    if (!this.iapClientId && this.url !== undefined && !isGoogleAccessTokenHost(this.url)) {
      throw new AuthError(`Not sent: this endpoint ${GOOGLE_HOST_PROBLEM}.`, 'Edit the endpoint in settings (kfp.endpoints).');
    }
    return { authorization: `Bearer ${(await this.token()).token}` };
  }

  async invalidate(): Promise<boolean> {
    this.cached = undefined;
    return true;
  }

  describe(): string {
    return this.iapClientId ? `a Google ID token for IAP client ${this.iapClientId}` : 'a Google access token (application default credentials)';
  }
}
