// The token of a kubeconfig context (static token, exec plugin or OIDC), read
// through @kubernetes/client-node so every auth style kubectl supports works.
// The library is loaded only when such an endpoint is used.
import type * as https from 'node:https';
import { AuthError, AuthProvider } from './types';
import { loadKubernetes } from '../util/lazy';

export class KubeconfigAuth implements AuthProvider {
  readonly kind = 'kubeconfig' as const;
  constructor(private readonly context?: string, private readonly kubeconfigPath?: string) {}

  async headers(): Promise<Record<string, string>> {
    const k8s = await loadKubernetes();
    const kc = new k8s.KubeConfig();
    try {
      if (this.kubeconfigPath) kc.loadFromFile(this.kubeconfigPath);
      else kc.loadFromDefault();
    } catch (e) {
      throw new AuthError(`Cannot read the kubeconfig: ${(e as Error).message}`, 'Check KUBECONFIG or ~/.kube/config.');
    }
    if (this.context) {
      if (!kc.getContexts().some((c) => c.name === this.context)) {
        throw new AuthError(`The kubeconfig has no context named "${this.context}".`, `Contexts: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}.`);
      }
      kc.setCurrentContext(this.context);
    }
    if (!kc.getCurrentUser()) throw new AuthError('The kubeconfig has no current user.', 'Run kubectl config use-context, or set "kubeContext".');
    const opts: https.RequestOptions = { headers: {} };
    await kc.applyToHTTPSOptions(opts);
    const headers = (opts.headers ?? {}) as Record<string, string | string[] | undefined>;
    const auth = headers.Authorization ?? headers.authorization;
    if (typeof auth !== 'string' || !auth) {
      throw new AuthError(`The kubeconfig user of context "${kc.getCurrentContext()}" has no token (client certificates cannot be sent to KFP).`,
        'Use a context with a token, or a service-account token with audience pipelines.kubeflow.org.');
    }
    return { authorization: auth };
  }

  async invalidate(): Promise<boolean> { return true; }
  describe(): string { return `the token of kubeconfig context ${this.context ?? '(current)'}`; }
}
