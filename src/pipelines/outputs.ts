// Where compiled pipelines go, and the rule that a file the user did not create
// through this extension is never overwritten without asking: the extension
// remembers what it wrote (path and content hash) in the workspace state.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const KEY = 'kfp.compiledOutputs';

export function outputPathFor(file: vscode.Uri, functionName: string): string {
  const template = vscode.workspace.getConfiguration('kfp', file).get<string>('compile.outputPath', '${fileDirname}/${functionName}.yaml');
  const folder = vscode.workspace.getWorkspaceFolder(file)?.uri.fsPath ?? path.dirname(file.fsPath);
  const vars: Record<string, string> = {
    fileDirname: path.dirname(file.fsPath), fileBasenameNoExtension: path.basename(file.fsPath, path.extname(file.fsPath)),
    functionName, workspaceFolder: folder,
  };
  const expanded = template.replace(/\$\{(\w+)\}/g, (_, k: string) => vars[k] ?? '');
  return path.resolve(folder, expanded);
}

const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export class OutputRegistry {
  constructor(private readonly state: vscode.Memento) {}

  private get map(): Record<string, string> { return this.state.get<Record<string, string>>(KEY, {}); }

  /** True when the file does not exist, or is exactly what this extension last wrote there. */
  async isOurs(file: string): Promise<boolean> {
    let content: Buffer;
    try { content = await fs.readFile(file); } catch { return true; }
    return this.map[file] === hash(content);
  }

  async remember(file: string): Promise<void> {
    const content = await fs.readFile(file);
    await this.state.update(KEY, { ...this.map, [file]: hash(content) });
  }
}
