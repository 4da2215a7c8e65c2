// Commands on one server object, from the tree or a script ({kind, id, pipelineId?}).
import * as vscode from 'vscode';
import { cancelled, KIND_LABEL, register, scriptOptions, Services, toRef, UserError } from './common';
import type { ResourceRef } from '../tree/node';
import { consoleRunUrl } from '../core/vertex/runs';

export function uiRoute(ref: ResourceRef): string {
  switch (ref.kind) {
    case 'run': return `runs/details/${ref.id}`;
    case 'pipeline': return `pipelines/details/${ref.id}`;
    case 'pipelineVersion': return `pipelines/details/${ref.pipelineId}/version/${ref.id}`;
    case 'experiment': return `experiments/details/${ref.id}`;
    case 'recurringRun': return `recurringrun/details/${ref.id}`;
  }
}

export function registerItemCommands(s: Services): void {
  register(s, 'kfp.item.copyId', async (arg?: unknown) => {
    const ref = toRef(arg);
    await vscode.env.clipboard.writeText(ref.id);
    vscode.window.setStatusBarMessage(`Copied ${KIND_LABEL[ref.kind]} ID ${ref.id}`, 3000);
    return { ok: true, kind: ref.kind, id: ref.id };
  });

  register(s, 'kfp.item.openInBrowser', async (...args: unknown[]) => {
    const ref = toRef(args[0]);
    const endpoint = s.endpoints.active();
    if (!endpoint) throw new UserError('No endpoint is configured.');
    if (endpoint.kind === 'vertex') {
      if (ref.kind !== 'run') throw new UserError('On Vertex AI only runs and schedules open in the console.');
      const url = consoleRunUrl(endpoint.project!, endpoint.region!, ref.id);
      if (scriptOptions(args).open !== false) await vscode.env.openExternal(vscode.Uri.parse(url));
      return { ok: true, url, externalUrl: url };
    }
    const client = await s.endpoints.getClient();
    const url = client.uiUrl(uiRoute(ref), endpoint.uiUrl);
    // In a browser IDE a localhost URL is only reachable through the IDE's forwarding.
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(url));
    if (scriptOptions(args).open !== false) await vscode.env.openExternal(external);
    return { ok: true, url, externalUrl: external.toString(true) };
  });

  register(s, 'kfp.item.showDetails', async (arg?: unknown) => {
    const ref = toRef(arg);
    const uri = s.documents.uriFor(ref);
    const doc = await vscode.workspace.openTextDocument(uri);
    s.documents.refresh(uri);
    await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(doc, { preview: true });
    return { ok: true, kind: ref.kind, id: ref.id, uri: uri.toString() };
  });

  register(s, 'kfp.item.delete', async (...args: unknown[]) => {
    const ref = toRef(args[0]);
    const skip = scriptOptions(args).skipConfirmation;
    if (s.endpoints.isVertex) {
      if (ref.kind !== 'run') throw new UserError('On Vertex AI, delete runs here and schedules with "Delete Schedule".');
      if (!skip) {
        const ok = await vscode.window.showWarningMessage(`Delete the Vertex AI run "${ref.name ?? ref.id}"? This cannot be undone; its outputs in Cloud Storage stay.`, { modal: true }, 'Delete');
        if (ok !== 'Delete') return cancelled();
      }
      await (await s.endpoints.getVertex()).deletePipelineJob(ref.id);
      s.explorer.poller.unwatch(ref.id);
      s.explorer.refresh();
      return { ok: true, deleted: { kind: 'run', id: ref.id }, backend: 'vertex' };
    }
    const client = await s.endpoints.getClient();
    const label = `${KIND_LABEL[ref.kind]} "${ref.name ?? ref.id}"`;
    let cascade = false;
    if (ref.kind === 'pipeline') {
      const versions = await client.listPipelineVersions(ref.id, { pageSize: 1 });
      const count = versions.totalSize ?? versions.items.length;
      cascade = count > 0;
      if (!skip) {
        const detail = count ? `Its ${count} version(s) are deleted with it. Runs made from them stay.` : undefined;
        const ok = await vscode.window.showWarningMessage(`Delete the ${label}? This cannot be undone.`, { modal: true, detail }, 'Delete');
        if (ok !== 'Delete') return cancelled();
      }
    } else if (!skip) {
      const ok = await vscode.window.showWarningMessage(`Delete the ${label}? This cannot be undone.`, { modal: true }, 'Delete');
      if (ok !== 'Delete') return cancelled();
    }
    switch (ref.kind) {
      case 'pipeline': await client.deletePipeline(ref.id, cascade); break;
      case 'pipelineVersion': await client.deletePipelineVersion(ref.pipelineId!, ref.id); break;
      case 'experiment': await client.deleteExperiment(ref.id); break;
      case 'run': await client.deleteRun(ref.id); s.explorer.poller.unwatch(ref.id); break;
      case 'recurringRun': await client.deleteRecurringRun(ref.id); break;
    }
    s.explorer.refresh();
    return { ok: true, deleted: { kind: ref.kind, id: ref.id } };
  });

  register(s, 'kfp.item.archive', async (...args: unknown[]) => {
    const ref = toRef(args[0], ['run', 'experiment']);
    if (!scriptOptions(args).skipConfirmation) {
      const detail = ref.kind === 'experiment' ? 'Its runs are archived and its recurring runs disabled. You can restore it from the KFP web UI.' : 'You can restore it from the KFP web UI.';
      const ok = await vscode.window.showWarningMessage(`Archive the ${KIND_LABEL[ref.kind]} "${ref.name ?? ref.id}"?`, { modal: true, detail }, 'Archive');
      if (ok !== 'Archive') return cancelled();
    }
    const client = await s.endpoints.getClient();
    if (ref.kind === 'run') await client.archiveRun(ref.id);
    else await client.archiveExperiment(ref.id);
    s.explorer.refresh();
    return { ok: true, archived: { kind: ref.kind, id: ref.id } };
  });

  for (const [id, enable] of [['kfp.recurringRun.enable', true], ['kfp.recurringRun.disable', false]] as const) {
    register(s, id, async (arg?: unknown) => {
      const ref = toRef(arg, ['recurringRun']);
      const client = await s.endpoints.getClient();
      if (enable) await client.enableRecurringRun(ref.id);
      else await client.disableRecurringRun(ref.id);
      const fresh = await client.getRecurringRun(ref.id);
      s.explorer.refresh();
      return { ok: true, id: ref.id, status: fresh.status ?? (enable ? 'ENABLED' : 'DISABLED') };
    });
  }
}
