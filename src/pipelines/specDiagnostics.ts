// Problems of compiled pipeline files (IR YAML or Argo Workflow) as
// diagnostics, checked when such a file is opened or saved.
import * as vscode from 'vscode';
import { looksLikePipeline, parsePipelineText, ParsedPipeline } from '../core/pipeline/spec';

export class SpecDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('kfp-spec');
  private readonly subs: vscode.Disposable[] = [];

  constructor() {
    const check = (d: vscode.TextDocument) => this.check(d);
    this.subs.push(vscode.workspace.onDidOpenTextDocument(check), vscode.workspace.onDidSaveTextDocument(check),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)));
    // Documents already open are checked after activation, not during it.
    setTimeout(() => vscode.workspace.textDocuments.forEach(check), 0);
  }

  check(doc: vscode.TextDocument): ParsedPipeline | undefined {
    if (doc.uri.scheme !== 'file' || !/\.(ya?ml|json)$/i.test(doc.fileName)) return undefined;
    const text = doc.getText();
    if (!looksLikePipeline(text, /\.json$/i.test(doc.fileName))) return undefined;
    const parsed = parsePipelineText(text);
    this.show(doc.uri, parsed);
    return parsed;
  }

  show(uri: vscode.Uri, parsed: ParsedPipeline): void {
    this.collection.set(uri, parsed.problems.map((p) => {
      const d = new vscode.Diagnostic(new vscode.Range(p.start.line, p.start.character, p.end.line, p.end.character), p.message,
        p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      d.source = 'KFP pipeline spec';
      return d;
    }));
  }

  dispose(): void { this.collection.dispose(); this.subs.forEach((s) => s.dispose()); }
}
