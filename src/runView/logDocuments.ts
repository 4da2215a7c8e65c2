// A step's whole log as a read-only document (scheme kfp-log), for search and
// copy: fetched when opened, from the same sources as the run view.
import * as vscode from 'vscode';
import { buildGraph, isIrSpec } from '../core/graph/model';
import { graphFromWorkflow, mergeTaskDetails } from '../core/graph/runState';
import type { JsonObject } from '../core/kfp/types';
import { podLog } from '../core/logs/podLogs';
import type { EndpointManager } from '../endpoints/endpointManager';
import { LogSession } from './logSession';

export const LOG_SCHEME = 'kfp-log';

export function logUri(runId: string, nodeId: string, label: string): vscode.Uri {
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${label.replace(/[\\/:*?"<>|#]/g, '_')}.log`, query: new URLSearchParams({ run: runId, node: nodeId }).toString() });
}

export class LogDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly endpoints: EndpointManager) {}

  async provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const runId = q.get('run') ?? '';
    const nodeId = q.get('node') ?? '';
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    const client = await this.endpoints.getClient();
    const run = await client.getRun(runId, ac.signal);
    const wf = (run.pipeline_spec as JsonObject | undefined)?.workflow_manifest as JsonObject | undefined;
    let st;
    if (wf) st = graphFromWorkflow(wf as Parameters<typeof graphFromWorkflow>[0]).state;
    else {
      let spec = run.pipeline_spec;
      if (!isIrSpec(spec) && run.pipeline_version_reference?.pipeline_version_id) spec = (await client.getPipelineVersion(run.pipeline_version_reference.pipeline_id ?? '', run.pipeline_version_reference.pipeline_version_id)).pipeline_spec;
      if (!spec) throw new Error('The run has no pipeline spec.');
      st = mergeTaskDetails(buildGraph(spec), run.run_details?.task_details ?? []);
    }
    const t = LogSession.target(this.endpoints, run, st, nodeId);
    if ('message' in t) return `# ${t.message}\n`;
    const parts: string[] = [];
    let source = '';
    for await (const b of podLog(await LogSession.sources(this.endpoints), { ...t, running: false }, ac.signal)) { source = b.source; parts.push(b.lines.join('\n')); }
    return `# Log of ${nodeId} (pod ${t.podName}) from ${source === 'kubernetes' ? 'the Kubernetes API' : source === 'ui-server' ? 'the KFP UI server' : 'the log archive'}\n${parts.join('\n')}\n`;
  }
}
