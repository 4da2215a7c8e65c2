// "Convert to KFP v2": a code action and command on a KFP v1 pipeline file. The
// rewrite is computed by the shipped helper with the user's Python (ast only, no
// SDK), shown as a refactor preview (a diff the user applies or not), and only
// the edited ranges change: comments, blank lines and everything else stay byte
// for byte. ContainerOps without a command keep their image's entrypoint when a
// Dockerfile of the workspace builds that image.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { programOf, ImageProgram } from '../core/components/entrypoint';
import { convertV1, V1_MARKERS } from '../core/python/convert';
import { CommandResult, register, Services, UserError } from '../commands/common';
import type { ComponentsProvider } from '../components/componentsView';
import { resolveInterpreter } from './interpreter';

export class ConvertCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.RefactorRewrite];
  provideCodeActions(doc: vscode.TextDocument): vscode.CodeAction[] {
    if (doc.languageId !== 'python' || !V1_MARKERS.test(doc.getText())) return [];
    const a = new vscode.CodeAction('Convert this file to KFP v2…', vscode.CodeActionKind.RefactorRewrite);
    a.command = { command: 'kfp.pipeline.convertToV2', title: 'Convert to KFP v2', arguments: [{ file: doc.uri, interactive: true }] };
    return [a];
  }
}

/** Image → its program, from every component folder's Dockerfile (by the image names it builds, with and without tag). */
async function entrypoints(components: ComponentsProvider): Promise<Record<string, ImageProgram>> {
  const out: Record<string, ImageProgram> = {};
  for (const c of await components.list()) {
    let text: string;
    try { text = fs.readFileSync(path.join(c.fsPath, path.basename(c.dockerfile)), 'utf8'); } catch { continue; }
    const p = programOf(text);
    for (const image of c.images) {
      out[image] = p;
      out[image.replace(/(@sha256:[0-9a-f]+|:[\w.-]+)$/, '')] ??= p;
    }
  }
  return out;
}

export function registerConvertCommand(s: Services, components: ComponentsProvider): void {
  register(s, 'kfp.pipeline.convertToV2', async (arg?: unknown): Promise<CommandResult> => {
    const a = (arg instanceof vscode.Uri ? { file: arg, interactive: true } : arg && typeof arg === 'object' ? arg : {}) as { file?: string | vscode.Uri; interactive?: boolean; preview?: boolean };
    let uri = a.file instanceof vscode.Uri ? a.file : typeof a.file === 'string' ? vscode.Uri.file(path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', a.file)) : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !/\.py$/.test(uri.fsPath)) throw new UserError('Open a KFP v1 pipeline file (Python), or pass {file}.');
    uri = vscode.Uri.file(uri.fsPath);
    if (!vscode.workspace.isTrusted) throw new UserError('Converting runs your Python interpreter: trust the workspace first (Restricted Mode runs nothing from it).');
    const doc = await vscode.workspace.openTextDocument(uri);
    const source = doc.getText();
    const python = (await resolveInterpreter(uri)).path;
    const r = await convertV1(python, s.context.asAbsolutePath('python/kfp_v1_to_v2.py'), source, await entrypoints(components));
    const rel = vscode.workspace.asRelativePath(uri);
    if (!r.edits.length) {
      if (a.interactive) void vscode.window.showInformationMessage(r.notConverted.length ? `${rel}: nothing more to convert; ${r.notConverted.length} place(s) are marked "# kfp-v2: not converted".` : `${rel} has no KFP v1 code to convert.`);
      return { ok: true, file: rel, changed: false, converted: r.converted, notConverted: r.notConverted };
    }
    const preview = a.preview ?? a.interactive ?? true;
    const edit = new vscode.WorkspaceEdit();
    const meta = { label: 'Convert to KFP v2', needsConfirmation: preview, description: `${r.converted.length} converted, ${r.notConverted.length} left with a comment` };
    for (const e of r.edits) edit.replace(uri, new vscode.Range(e.start[0], e.start[1], e.end[0], e.end[1]), e.text, meta);
    const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: preview });
    if (applied && a.interactive && r.notConverted.length) {
      void vscode.window.showWarningMessage(`${rel}: ${r.notConverted.length} place(s) could not be converted; each is marked "# kfp-v2: not converted" with the reason.`);
    }
    return { ok: true, file: rel, changed: applied, applied, edits: r.edits.length, converted: r.converted, notConverted: r.notConverted, version: doc.version };
  });
}
