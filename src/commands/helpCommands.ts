import * as vscode from 'vscode';
import { log } from '../logging';
import { register, Services } from './common';

export function registerHelpCommands(s: Services): void {
  register(s, 'kfp.help.walkthrough', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${s.context.extension.id}#kfp.gettingStarted`, false);
    return { ok: true };
  });
  register(s, 'kfp.help.showLogs', async () => {
    log().show(true);
    return { ok: true };
  });
}
