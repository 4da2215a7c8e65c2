// What other extensions get from this one. Only what is safe to share: the
// active endpoint's name and URL (user info cut) and a change event. No client,
// no endpoint manager, nothing that reaches secret storage or stored tokens.
// The full object (tests, benchmarks) is exported only in VS Code's test mode.
import * as vscode from 'vscode';
import { redactUrl } from './core/util/redact';
import type { EndpointManager } from './endpoints/endpointManager';

export interface KfpPublicApi {
  readonly apiVersion: 1;
  activeEndpoint(): { name: string; url: string } | undefined;
  readonly onDidChangeActiveEndpoint: vscode.Event<void>;
}

export function publicApiOf(endpoints: EndpointManager): KfpPublicApi {
  const emitter = new vscode.EventEmitter<void>();
  endpoints.onDidChangeConnection(() => emitter.fire());
  return Object.freeze({
    apiVersion: 1 as const,
    activeEndpoint: () => {
      const e = endpoints.active();
      return e ? { name: e.name, url: redactUrl(e.url) } : undefined;
    },
    onDidChangeActiveEndpoint: emitter.event,
  });
}
