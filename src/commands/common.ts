// What every command shares: the services it acts through, argument handling
// (a tree node or a plain object from a script) and one way to report results.
import * as vscode from 'vscode';
import type { EndpointManager } from '../endpoints/endpointManager';
import type { ExplorerProvider } from '../tree/explorerProvider';
import { isResourceNode, ResourceRef } from '../tree/node';
import { errorText, log } from '../logging';
import type { ResourceDocuments } from '../resources/resourceDocuments';

export interface Services {
  context: vscode.ExtensionContext;
  endpoints: EndpointManager;
  explorer: ExplorerProvider;
  treeView: vscode.TreeView<unknown>;
  documents: ResourceDocuments;
}

/** Every command resolves to plain JSON: ok and its data, or ok: false and why. */
export type CommandResult = { ok: true; cancelled?: boolean; [k: string]: unknown } | { ok: false; error: string; cancelled?: boolean };

export const cancelled = (): CommandResult => ({ ok: true, cancelled: true });

export class UserError extends Error {}

const KINDS = new Set(['pipeline', 'pipelineVersion', 'experiment', 'run', 'recurringRun']);

/** Reads a resource argument: a tree node, or {kind, id, pipelineId?}. */
export function toRef(arg: unknown, allowed?: ResourceRef['kind'][]): ResourceRef {
  let ref: ResourceRef | undefined;
  if (isResourceNode(arg)) ref = arg.resource();
  else if (arg && typeof arg === 'object' && KINDS.has(String((arg as ResourceRef).kind)) && typeof (arg as ResourceRef).id === 'string') ref = arg as ResourceRef;
  if (!ref || !ref.id) throw new UserError('Select an item in the Kubeflow Pipelines view, or pass {kind, id} to the command.');
  if (allowed && !allowed.includes(ref.kind)) throw new UserError(`This command does not apply to a ${ref.kind}.`);
  if (ref.kind === 'pipelineVersion' && !ref.pipelineId) throw new UserError('A pipeline version needs its pipelineId.');
  return ref;
}

export function register(s: Services, id: string, fn: (...args: unknown[]) => Promise<CommandResult>): void {
  s.context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]): Promise<CommandResult> => {
    try {
      return await fn(...args);
    } catch (e) {
      const message = errorText(e);
      log().error(`${id}: ${message}`);
      void vscode.window.showErrorMessage(message, 'Show Logs').then((pick) => { if (pick) log().show(); });
      return { ok: false, error: message };
    }
  }));
}

export const KIND_LABEL: Record<ResourceRef['kind'], string> = {
  pipeline: 'pipeline', pipelineVersion: 'pipeline version', experiment: 'experiment', run: 'run', recurringRun: 'recurring run',
};

/** Options a script may pass as the last argument. */
export function scriptOptions(args: unknown[]): { skipConfirmation?: boolean; open?: boolean } {
  const last = args[args.length - 1];
  return last && typeof last === 'object' && !isResourceNode(last) && ('skipConfirmation' in last || 'open' in last) ? last as { skipConfirmation?: boolean; open?: boolean } : {};
}
