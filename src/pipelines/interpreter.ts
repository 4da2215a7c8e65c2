// Which Python runs the user's KFP SDK: the interpreter selected in the Python
// extension (through @vscode/python-extension) when it is installed, else the
// kfp.pythonPath setting, else python3.
import * as vscode from 'vscode';

export interface Interpreter { path: string; source: 'python-extension' | 'setting' | 'default' }

export async function resolveInterpreter(resource?: vscode.Uri): Promise<Interpreter> {
  const setting = vscode.workspace.getConfiguration('kfp', resource).get<string>('pythonPath', '').trim();
  if (vscode.extensions.getExtension('ms-python.python')) {
    try {
      const { PythonExtension } = await import('@vscode/python-extension');
      const api = await PythonExtension.api();
      const active = api.environments.getActiveEnvironmentPath(resource);
      const env = await api.environments.resolveEnvironment(active);
      const exe = env?.executable.uri?.fsPath;
      if (exe) return { path: exe, source: 'python-extension' };
    } catch {
      // fall through to the setting
    }
  }
  if (setting) return { path: setting, source: 'setting' };
  return { path: process.platform === 'win32' ? 'python' : 'python3', source: 'default' };
}

/** Opens the Python extension's picker, or the kfp.pythonPath setting without it. */
export async function selectInterpreter(): Promise<void> {
  if (vscode.extensions.getExtension('ms-python.python')) await vscode.commands.executeCommand('python.setInterpreter');
  else await vscode.commands.executeCommand('workbench.action.openSettings', 'kfp.pythonPath');
}
