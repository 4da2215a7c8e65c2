// How requests to a KFP endpoint are signed. Each provider adds headers; a
// provider whose credential can expire refreshes it, and may be asked to
// refresh once after a 401.

export type AuthKind = 'none' | 'bearer' | 'cookie' | 'userHeader' | 'serviceAccount' | 'kubeconfig' | 'google';

export const AUTH_KINDS: readonly AuthKind[] = ['none', 'bearer', 'cookie', 'userHeader', 'serviceAccount', 'kubeconfig', 'google'];

export interface AuthProvider {
  readonly kind: AuthKind;
  /** Headers to add to a request. Never logged. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Called after a 401; returns true when a fresh credential is worth one retry. */
  invalidate?(): Promise<boolean>;
  /** A plain-words account of what is sent, without the secret itself. */
  describe(): string;
}

export class AuthError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'AuthError';
  }
}
