// Code lenses above each pipeline function (Compile, Run, Upload), the
// outline of pipelines and components, and the context key that shows the Run
// button in the editor title. All from the scanner: no Python runs.
import * as vscode from 'vscode';
import { mightHavePipeline, scanPython, ScanResult } from '../core/python/scanner';

const cache = new WeakMap<vscode.TextDocument, { version: number; result: ScanResult }>();

export function scan(doc: vscode.TextDocument): ScanResult | undefined {
  const text = doc.getText();
  if (!mightHavePipeline(text)) return undefined;
  const hit = cache.get(doc);
  if (hit && hit.version === doc.version) return hit.result;
  const result = scanPython(text);
  cache.set(doc, { version: doc.version, result });
  return result;
}

const V1_MARKERS = /\bfrom\s+kfp\s+import\s+[^\n]*\bgcp\b|\bkfp\.gcp\b|\bfunc_to_container_op\b|\bdsl\.ContainerOp\b|\bkfp\.compiler\.Compiler\(\)\.compile\([^)]*\.tar\.gz/;

export class PipelineCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly sub = vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('kfp.codeLens.enabled')) this.emitter.fire(); });

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('kfp', doc.uri).get<boolean>('codeLens.enabled', true)) return [];
    const r = scan(doc);
    if (!r) return [];
    // KFP v1 code (ContainerOp, kfp.gcp, func_to_container_op): it compiles to an Argo workflow with a v1 SDK, which
    // KFP 2 servers still run, but there is no v2 graph to draw from it before it runs.
    const v1 = r.containerOps.length > 0 || V1_MARKERS.test(doc.getText());
    return r.pipelines.flatMap((p) => {
      const range = new vscode.Range(p.decoratorLine, 0, p.decoratorLine, 0);
      const arg = { file: doc.uri, function: p.functionName, interactive: true };
      const lenses = [
        new vscode.CodeLens(range, { title: v1 ? '$(gear) Compile (KFP v1)' : '$(gear) Compile', command: 'kfp.pipeline.compile', arguments: [arg], tooltip: v1 ? `KFP v1 code: compile ${p.functionName} with a kfp 1.8 SDK (pip install "kfp<2")` : `Compile ${p.functionName} with your KFP SDK` }),
        new vscode.CodeLens(range, { title: '$(play) Run', command: 'kfp.pipeline.run', arguments: [arg], tooltip: 'Compile, upload and start a run (asks for the parameters)' }),
        new vscode.CodeLens(range, { title: 'Run with Options…', command: 'kfp.pipeline.runWithOptions', arguments: [arg], tooltip: 'Choose how to submit and the experiment too' }),
        new vscode.CodeLens(range, { title: '$(cloud-upload) Upload', command: 'kfp.pipeline.upload', arguments: [arg], tooltip: 'Compile and upload as a pipeline or a new version' }),
        new vscode.CodeLens(range, { title: '$(calendar) Schedule…', command: 'kfp.recurringRun.create', arguments: [arg], tooltip: 'Upload, then create a recurring run (cron or interval) of it' }),
      ];
      if (!v1) lenses.push(new vscode.CodeLens(range, { title: '$(type-hierarchy) Show Graph', command: 'kfp.pipeline.showGraph', arguments: [arg], tooltip: 'Compile and draw the pipeline\'s graph' }));
      else lenses.push(new vscode.CodeLens(range, { title: '$(wand) Convert to KFP v2…', command: 'kfp.pipeline.convertToV2', arguments: [{ file: doc.uri, interactive: true }], tooltip: 'Rewrite this file for the KFP v2 SDK, shown as a diff before anything changes' }));
      return lenses;
    });
  }

  dispose(): void { this.emitter.dispose(); this.sub.dispose(); }
}

export class PipelineSymbolProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(doc: vscode.TextDocument): vscode.DocumentSymbol[] {
    const r = scan(doc);
    if (!r) return [];
    const sym = (name: string, detail: string, kind: vscode.SymbolKind, from: number, to: number, sel: number) =>
      new vscode.DocumentSymbol(name, detail, kind, new vscode.Range(from, 0, to, doc.lineAt(Math.min(to, doc.lineCount - 1)).text.length), new vscode.Range(sel, 0, sel, doc.lineAt(sel).text.length));
    return [
      ...r.pipelines.map((p) => sym(p.functionName, `KFP pipeline${p.displayName ? ` "${p.displayName}"` : ''}`, vscode.SymbolKind.Module, p.decoratorLine, p.endLine, p.defLine)),
      ...r.components.map((c) => sym(c.functionName, c.kind === 'containerComponent' ? 'KFP container component' : 'KFP component', vscode.SymbolKind.Function, c.decoratorLine, c.endLine, c.defLine)),
      ...r.loadedComponents.map((c) => sym(c.variable, `KFP component from ${c.source}${c.argument ? ` ${c.argument}` : ''}`, vscode.SymbolKind.Variable, c.line, c.line, c.line)),
    ];
  }
}

/** Keeps kfp.activeFileHasPipeline true while the active editor shows a pipeline. */
export function trackActiveEditor(): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  const update = () => {
    const doc = vscode.window.activeTextEditor?.document;
    const has = Boolean(doc && doc.languageId === 'python' && (scan(doc)?.pipelines.length ?? 0) > 0);
    void vscode.commands.executeCommand('setContext', 'kfp.activeFileHasPipeline', has);
  };
  update();
  const subs = [
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document !== vscode.window.activeTextEditor?.document) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(update, 300);
    }),
  ];
  return { dispose: () => { subs.forEach((s) => s.dispose()); if (timer) clearTimeout(timer); } };
}
