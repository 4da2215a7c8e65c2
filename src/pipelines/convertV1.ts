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
    // Converting runs the user's interpreter: not offered in Restricted Mode.
    if (doc.languageId !== 'python' || !vscode.workspace.isTrusted || !V1_MARKERS.test(doc.getText())) return [];
    const a = new vscode.CodeAction('Convert this file to KFP v2…', vscode.CodeActionKind.RefactorRewrite);
    a.command = { command: 'kfp.pipeline.convertToV2', title: 'Convert to KFP v2', arguments: [{ file: doc.uri, interactive: true }] };
    return [a];
  }
}

/**
 * Image → its program, from every component folder's Dockerfile, for the images the source names: matched by
 * the image names the folder builds, with or without tag, where a substitution not known here ($PROJECT_ID,
 * $SHORT_SHA) matches any one path segment or tag.
 */
export async function entrypoints(components: ComponentsProvider, source: string): Promise<Record<string, ImageProgram>> {
  const patterns: Array<{ re: RegExp; program: ImageProgram }> = [];
  for (const c of await components.list()) {
    let text: string;
    try { text = fs.readFileSync(path.join(c.fsPath, path.basename(c.dockerfile)), 'utf8'); } catch { continue; }
    const program = programOf(text);
    for (const image of c.images) {
      const repo = image.replace(/(@sha256:[0-9a-f]+|:[\w.${}-]+)$/, '');
      const body = repo.split(/(\$\{?\w+\}?)/).map((part) => (/^\$\{?\w+\}?$/.test(part) ? '[^/:@]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
      patterns.push({ re: new RegExp(`^${body}(:[\\w.-]+|@sha256:[0-9a-f]+)?$`), program });
    }
  }
  const out: Record<string, ImageProgram> = {};
  for (const m of source.matchAll(/["']([a-z0-9][\w.-]*(?:\.[\w.-]+|:\d+)\/[\w./-]+(?::[\w.-]+|@sha256:[0-9a-f]+)?)["']/g)) {
    const hit = patterns.find((p) => p.re.test(m[1]));
    if (hit) out[m[1]] = hit.program;
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
    const r = await convertV1(python, s.context.asAbsolutePath('python/kfp_v1_to_v2.py'), source, await entrypoints(components, source), 30_000, uri.fsPath);
    const rel = vscode.workspace.asRelativePath(uri);
    if (!r.edits.length) {
      if (a.interactive) void vscode.window.showInformationMessage(r.notConverted.length ? `${rel}: nothing more to convert; ${r.notConverted.length} place(s) are marked "# kfp-v2: not converted".` : `${rel} has no KFP v1 code to convert.`);
      return { ok: true, file: rel, changed: false, converted: r.converted, notConverted: r.notConverted };
    }
    const preview = a.preview ?? a.interactive ?? true;
    const edit = new vscode.WorkspaceEdit();
    const meta = { label: 'Convert to KFP v2', needsConfirmation: preview, description: `${r.converted.length} converted, ${r.notConverted.length} left with a comment` };
    for (const e of r.edits) edit.replace(uri, new vscode.Range(e.start[0], e.start[1], e.end[0], e.end[1]), e.text, meta);
    // With the preview, VS Code shows the diff and applies only what the user checks and applies (edits that need
    // confirmation start unchecked); a script may skip it. A file without unsaved changes is saved once converted.
    const wasDirty = doc.isDirty;
    const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: preview });
    if (applied && !wasDirty) await doc.save();
    if (applied && a.interactive && r.notConverted.length) {
      void vscode.window.showWarningMessage(`${rel}: ${r.notConverted.length} place(s) could not be converted; each is marked "# kfp-v2: not converted" with the reason.`);
    }
    if (!applied && preview) return { ok: true, cancelled: true, file: rel, changed: false, applied: false, edits: r.edits.length, converted: r.converted, notConverted: r.notConverted };
    return { ok: true, file: rel, changed: applied, applied, saved: applied && !wasDirty, edits: r.edits.length, converted: r.converted, notConverted: r.notConverted };
  });
}
