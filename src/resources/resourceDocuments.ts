// Server objects as read-only JSON documents (scheme kfp-resource), so they can
// be searched, folded and copied like any file. Content is fetched on open.
import * as vscode from 'vscode';
import type { EndpointManager } from '../endpoints/endpointManager';
import type { ResourceRef } from '../tree/node';

export const SCHEME = 'kfp-resource';

export class ResourceDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  constructor(private readonly endpoints: EndpointManager) {}

  uriFor(ref: ResourceRef): vscode.Uri {
    const endpoint = this.endpoints.active()?.name ?? 'none';
    const label = (ref.name ?? ref.id).replace(/[\\/:*?"<>|#]/g, '_').slice(0, 60);
    const query = new URLSearchParams({ endpoint, kind: ref.kind, id: ref.id, ...(ref.pipelineId ? { pipelineId: ref.pipelineId } : {}) }).toString();
    return vscode.Uri.from({ scheme: SCHEME, path: `/${ref.kind}/${label}.json`, query });
  }

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const kind = q.get('kind') as ResourceRef['kind'];
    const id = q.get('id') ?? '';
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    if (this.endpoints.isVertex) {
      // A Vertex AI run: the PipelineJob as the API returns it.
      if (kind !== 'run') throw new Error(`No ${kind} on a Vertex AI endpoint.`);
      return JSON.stringify(await (await this.endpoints.getVertex()).getPipelineJob(id, ac.signal), null, 2) + '\n';
    }
    const client = await this.endpoints.getClient();
    let value: unknown;
    switch (kind) {
      case 'pipeline': value = await client.getPipeline(id, ac.signal); break;
      case 'pipelineVersion': value = await client.getPipelineVersion(q.get('pipelineId') ?? '', id, ac.signal); break;
      case 'experiment': value = await client.getExperiment(id, ac.signal); break;
      case 'run': value = await client.getRun(id, ac.signal); break;
      case 'recurringRun': value = await client.getRecurringRun(id, ac.signal); break;
      default: throw new Error(`Unknown resource kind ${kind}`);
    }
    return JSON.stringify(value, null, 2) + '\n';
  }

  refresh(uri: vscode.Uri): void { this.emitter.fire(uri); }

  dispose(): void { this.emitter.dispose(); }
}
