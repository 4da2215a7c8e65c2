// Commands of the Components view and the Dockerfile lenses. Each accepts a
// component (a tree node, a Dockerfile URI or path, or {dir}) and resolves to
// plain JSON, so builds can be scripted and tested.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { formatImage, parseImage } from '../core/components/images';
import { componentTag, desiredTriggers, githubRepoOf, planTriggers, RepoRef, triggerName } from '../core/cloudbuild/triggers';
import { gitRemoteUrl } from '../core/util/gitHead';
import { register, Services, UserError, CommandResult } from '../commands/common';
import type { ComponentBuilds, KfpBuildTaskDefinition } from './componentBuilds';
import { TASK_TYPE } from './componentBuilds';
import type { CloudHistory, Component, ComponentsProvider } from './componentsView';

export function registerComponentCommands(s: Services, components: ComponentsProvider, builds: ComponentBuilds): void {
  const need = async (arg: unknown): Promise<Component> => {
    const c = await components.find(arg);
    if (!c) throw new UserError('Pick a component: a folder with a Dockerfile in the Components view, a Dockerfile, or pass {dir: "path/of/the/folder"}.');
    return c;
  };
  // Options: the last plain object among the arguments ({dir, …} itself may carry them).
  const opts = (args: unknown[]) => {
    const plain = args.filter((a) => a && typeof a === 'object' && !(a instanceof vscode.Uri) && !('c' in (a as object)));
    return (plain[plain.length - 1] ?? {}) as Partial<KfpBuildTaskDefinition> & { update?: 'tag' | 'digest' | 'none'; preview?: boolean };
  };

  // ---- Cloud Build history and the CI trigger of a component --------------------------------------------
  const cloudConfig = () => {
    const cfg = vscode.workspace.getConfiguration('kfp');
    const projectId = cfg.get<string>('cloudBuild.project', '');
    if (!projectId) throw new UserError('Set kfp.cloudBuild.project to the Google Cloud project that builds the components.');
    return { projectId, region: cfg.get<string>('cloudBuild.region', '') || undefined, branch: cfg.get<string>('cloudBuild.triggerBranch', '^main$') || '^main$' };
  };
  const history = async (c: Component): Promise<CloudHistory> => {
    const { projectId, region } = cloudConfig();
    const client = await builds.cloudClient();
    const trig = (await client.listTriggers(projectId, region)).find((t) => t.name === triggerName('kfp', c.dir));
    const list = await client.recentBuilds(projectId, componentTag(c.dir), trig?.id ?? undefined, region);
    return {
      trigger: trig?.id ? { id: trig.id, name: trig.name ?? trig.id, branch: trig.github?.push?.branch ?? trig.repositoryEventConfig?.push?.branch ?? undefined } : undefined,
      builds: list.map((b) => ({ id: b.id!, status: b.status ?? 'STATUS_UNKNOWN', createTime: b.createTime ?? undefined, finishTime: b.finishTime ?? undefined, fromTrigger: !!b.buildTriggerId, logUrl: b.logUrl ?? undefined, images: b.images ?? [], detail: b.statusDetail ?? undefined })),
    };
  };
  components.history = history;

  register(s, 'kfp.component.cloudBuilds', async (...args: unknown[]) => {
    const c = await need(args[0]);
    return { ok: true, dir: c.dir, ...(await history(c)) };
  });

  register(s, 'kfp.component.runTrigger', async (...args: unknown[]) => {
    trusted();
    const c = await need(args[0]);
    const o = opts(args) as { branch?: string };
    const { projectId, region, branch: pattern } = cloudConfig();
    const client = await builds.cloudClient();
    const name = triggerName('kfp', c.dir);
    const trig = (await client.listTriggers(projectId, region)).find((t) => t.name === name);
    if (!trig?.id) throw new UserError(`No trigger ${name} in ${projectId}: create the CI triggers first (Components view menu, or kfp.components.ciTriggers).`);
    // The branch to build: given, or the trigger's pattern when it names one branch (^main$), else asked.
    let branch = o.branch ?? /^\^?([\w./-]+)\$?$/.exec(trig.github?.push?.branch ?? trig.repositoryEventConfig?.push?.branch ?? pattern)?.[1];
    if (!branch) {
      branch = await vscode.window.showInputBox({ title: `Run trigger ${name}`, prompt: `The branch to build (the trigger's pattern is ${trig.github?.push?.branch ?? pattern})`, ignoreFocusOut: true });
      if (!branch) return { ok: true, cancelled: true };
    }
    const b = await client.runTrigger(projectId, trig.id, branch, region);
    components.refresh();
    if (!o.branch) void vscode.window.showInformationMessage(`Trigger ${name} started build ${b.id} on ${branch}.`, ...(b.logUrl ? ['Open in Console'] : [])).then((p) => { if (p && b.logUrl) void vscode.env.openExternal(vscode.Uri.parse(b.logUrl)); });
    return { ok: true, trigger: name, triggerId: trig.id, branch, buildId: b.id, status: b.status, logUrl: b.logUrl };
  });

  register(s, 'kfp.component.openBuild', async (...args: unknown[]) => {
    const a = args[0] as { b?: { id: string; logUrl?: string }; buildId?: string; dir?: string } | undefined;
    let url = a?.b?.logUrl;
    const id = a?.b?.id ?? a?.buildId;
    if (!url && id) {
      const { projectId, region } = cloudConfig();
      url = (await (await builds.cloudClient()).getBuild(projectId, id, region)).logUrl ?? undefined;
    }
    if (!url) throw new UserError('Pick a build in the Components view (Cloud Build), or pass {buildId}.');
    const opened = await vscode.env.openExternal(vscode.Uri.parse(url));
    return { ok: true, url, opened };
  });

  register(s, 'kfp.components.list', async () => {
    const all = await components.list();
    return { ok: true, components: all.map((c) => ({ dir: c.dir, folder: c.folder.name, dockerfile: c.dockerfile, cloudbuild: c.cloudbuild, componentYaml: c.componentYaml, images: c.images, imageSource: c.imageSource, unresolved: c.unresolved, problems: c.problems, inputs: c.spec?.inputs.map((i) => i.name) ?? [], uses: c.uses.map((u) => ({ file: vscode.workspace.asRelativePath(u.file), line: u.line + 1, image: u.image, kind: u.kind })), ...components.state(c.dir, c.folder) })) };
  });

  register(s, 'kfp.components.refresh', async () => { components.refresh(); return { ok: true }; });

  // Checked before a task starts: in Restricted Mode VS Code would otherwise ask to trust the folder.
  const trusted = () => { if (!vscode.workspace.isTrusted) throw new UserError('Building runs a container engine on this folder\'s files: trust the workspace first (Restricted Mode runs nothing from it).'); };

  register(s, 'kfp.component.build', async (...args: unknown[]) => {
    trusted();
    const c = await need(args[0]);
    const o = opts(args);
    const r = await builds.run({ type: TASK_TYPE, action: 'build', component: c.dir, image: o.image, buildArgs: o.buildArgs, target: o.target, platform: o.platform }, c);
    if (!r.ok && !r.cancelled) void vscode.window.showErrorMessage(`Build of ${c.dir || c.folder.name} failed: ${r.error}`, ...(r.line !== undefined ? ['Show Line'] : [])).then((p) => {
      if (p) void vscode.window.showTextDocument(vscode.Uri.joinPath(c.folder.uri, c.dockerfile), { selection: new vscode.Range(r.line!, 0, r.line!, 0) });
    });
    return r.ok ? { ...r, ok: true } : { ...r, ok: false, error: r.error ?? 'failed' } as CommandResult;
  });

  register(s, 'kfp.component.try', async (...args: unknown[]) => {
    trusted();
    const c = await need(args[0]);
    const o = opts(args);
    let inputs = o.inputs;
    if (!inputs) {
      if (!c.spec) throw new UserError('Try needs a component.yaml beside the Dockerfile (its command, args and inputs).');
      inputs = {};
      // Asked per input, as the article tries a step with `docker run IMAGE ARGS` before wiring it into the pipeline.
      for (const i of c.spec.inputs) {
        const v = await vscode.window.showInputBox({ title: `Try ${c.dir || c.folder.name}: ${i.name}${i.type ? ` (${i.type})` : ''}`, prompt: i.description, value: i.default, placeHolder: i.optional ? 'optional: leave empty to omit' : undefined, ignoreFocusOut: true });
        if (v === undefined) return { ok: true, cancelled: true };
        if (v !== '' || !i.optional) inputs[i.name] = v;
      }
    }
    const r = await builds.run({ type: TASK_TYPE, action: 'try', component: c.dir, image: o.image, inputs }, c);
    if (r.ok && r.workDir && !o.inputs) void vscode.window.showInformationMessage(`${c.dir || c.folder.name} ran${r.durationMs ? ` in ${(r.durationMs / 1000).toFixed(1)} s` : ''}; its outputs are in ${r.workDir}.`, 'Open Folder').then((p) => { if (p) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(r.workDir!)); });
    return r.ok ? { ...r, ok: true } : { ...r, ok: false, error: r.error ?? 'failed' } as CommandResult;
  });

  register(s, 'kfp.component.push', async (...args: unknown[]) => {
    trusted();
    const c = await need(args[0]);
    const o = opts(args);
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pushing ${c.dir || c.folder.name}`, cancellable: true },
      (_p, token) => builds.run({ type: TASK_TYPE, action: 'push', component: c.dir, image: o.image }, c, token));
    if (!r.ok) {
      if (!r.cancelled) void vscode.window.showErrorMessage(`Push of ${c.dir || c.folder.name} failed: ${r.error}`);
      return { ...r, ok: false, error: r.error ?? 'failed' } as CommandResult;
    }
    // Offer to point the pipelines at what was pushed.
    const fresh = (await components.find({ dir: c.dir })) ?? c;
    let update = o.update;
    const image = r.images![0];
    const pinned = r.digest ? formatImage({ repository: parseImage(image).repository, digest: r.digest }) : undefined;
    // References that name another version than the one pushed (by digest when there is one: a tag can move).
    const stale = fresh.uses.filter((u) => u.image !== (update === 'tag' ? image : pinned ?? image) && u.image !== pinned);
    if (!update && stale.length) {
      const pick = await vscode.window.showInformationMessage(`Pushed ${image}${r.digest ? ` (${r.digest.slice(0, 19)})` : ''}. ${stale.length} reference${stale.length === 1 ? '' : 's'} in workspace pipelines name${stale.length === 1 ? 's' : ''} another version.`, 'Update to this Tag', ...(r.digest ? ['Update to this Digest'] : []), 'Not Now');
      update = pick === 'Update to this Tag' ? 'tag' : pick === 'Update to this Digest' ? 'digest' : 'none';
    }
    let updated: unknown;
    if (update && update !== 'none' && stale.length) updated = await updateReferences(fresh, image, update === 'digest' ? r.digest : undefined, o.preview !== false);
    return { ...r, ok: true, stale: stale.length, updated };
  });

  register(s, 'kfp.component.cloudBuild', async (...args: unknown[]) => {
    trusted();
    const c = await need(args[0]);
    const o = opts(args);
    const r = await builds.run({ type: TASK_TYPE, action: 'cloud-build', component: c.dir, image: o.image, buildArgs: o.buildArgs }, c);
    if (!r.ok && !r.cancelled) {
      void vscode.window.showErrorMessage(`Cloud Build of ${c.dir || c.folder.name}: ${r.error}`, ...(r.logUrl ? ['Open in Console'] : [])).then((p) => { if (p && r.logUrl) void vscode.env.openExternal(vscode.Uri.parse(r.logUrl)); });
    }
    return r.ok ? { ...r, ok: true } : { ...r, ok: false, error: r.error ?? 'failed' } as CommandResult;
  });

  register(s, 'kfp.components.ciTriggers', async (...args: unknown[]) => {
    trusted();
    const o = (args[0] && typeof args[0] === 'object' ? args[0] : {}) as { apply?: boolean; branch?: string; repo?: string; repository?: string };
    const cfg = vscode.workspace.getConfiguration('kfp');
    const projectId = cfg.get<string>('cloudBuild.project', '');
    if (!projectId) throw new UserError('Set kfp.cloudBuild.project to the Google Cloud project whose triggers build the components.');
    const region = cfg.get<string>('cloudBuild.region', '') || undefined;
    const all = await components.list();
    const folder = all[0]?.folder ?? vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new UserError('Open the repository\'s folder first.');
    // Where pushes come from: a 2nd-gen connection repository, else owner/name, else the origin remote's GitHub repository.
    const connection = o.repository ?? (cfg.get<string>('cloudBuild.repository', '') || undefined);
    let repo: RepoRef | undefined = connection ? { kind: 'connection', repository: connection } : undefined;
    if (!repo) {
      const given = o.repo ?? (cfg.get<string>('cloudBuild.github', '') || undefined);
      const gh = given ? githubRepoOf(`github.com/${given}`) : githubRepoOf((await gitRemoteUrl(folder.uri.fsPath)) ?? '');
      if (gh) repo = { kind: 'github', ...gh };
    }
    if (!repo) throw new UserError('No GitHub repository: the origin remote is not on GitHub. Set kfp.cloudBuild.github (owner/name) or kfp.cloudBuild.repository (a 2nd-gen connection\'s repository resource).');
    const branch = o.branch ?? (cfg.get<string>('cloudBuild.triggerBranch', '^main$') || '^main$');
    const client = await builds.cloudClient();
    const desired = desiredTriggers({ components: all.map((c) => ({ dir: c.dir, cloudbuild: c.cloudbuild })), repo, branch, substitutions: cfg.get<Record<string, string>>('cloudBuild.substitutions', {}) });
    const plan = planTriggers(desired, await client.listTriggers(projectId, region));
    const count = (a: string) => plan.filter((p) => p.action === a).length;
    const summary = `create ${count('create')}, update ${count('update')}, unchanged ${count('unchanged')}, orphaned ${count('orphaned')}`;
    const result = plan.map((p) => ({ action: p.action, name: p.name, changes: p.changes, includedFiles: p.desired?.includedFiles, filename: p.desired?.filename }));
    let apply = o.apply;
    if (apply === undefined) {
      const detail = plan.map((p) => `${p.action.padEnd(9)} ${p.name}${p.changes.length ? ` (${p.changes.join(', ')})` : ''}${p.desired ? `: ${p.desired.includedFiles?.join(' ')} → ${p.desired.filename}` : ''}`).join('\n');
      const todo = count('create') + count('update');
      const pick = await vscode.window.showInformationMessage(`Cloud Build triggers in ${projectId} for ${repo.kind === 'github' ? `${repo.owner}/${repo.name}` : repo.repository} on ${branch}: ${summary}.`, { modal: true, detail: `${detail}\n\nOrphaned triggers (tagged as ours, no folder wants them) are listed, never deleted.` }, ...(todo ? ['Apply'] : []));
      apply = pick === 'Apply';
    }
    if (count('unchanged')) void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasTriggers', true);
    if (!apply) return { ok: true, applied: false, plan: result, summary };
    const done: string[] = [];
    try {
      for (const p of plan) {
        if (p.action === 'create') { await client.createTrigger(projectId, p.desired!, region); done.push(p.name); }
        if (p.action === 'update') { await client.updateTrigger(projectId, p.existing!.id!, p.desired!, region); done.push(p.name); }
      }
    } catch (e) {
      const msg = (e as Error).message;
      // Not connected: Google's answer names the page that connects it ("Repository mapping does not exist. Please visit …").
      const notConnected = /repository mapping|not connected|connect a repository/i.test(msg);
      const connectUrl = notConnected ? (/https:\/\/console\.cloud\.google\.com\/cloud-build\/triggers\/connect\?project=[\w-]+/.exec(msg)?.[0] ?? `https://console.cloud.google.com/cloud-build/triggers/connect?project=${encodeURIComponent(projectId)}`) : undefined;
      const error = `${notConnected ? `Cloud Build is not connected to ${repo.kind === 'github' ? `${repo.owner}/${repo.name}` : repo.repository}: connect it at ${connectUrl}, then apply again. ` : ''}${msg} (applied before the failure: ${done.join(', ') || 'none'})`;
      if (connectUrl && o.apply === undefined) {
        void vscode.window.showErrorMessage(`Cloud Build is not connected to the repository. Connect it in the console, then create the triggers again.`, 'Open Console').then((p) => { if (p) void vscode.env.openExternal(vscode.Uri.parse(connectUrl)); });
      }
      return { ok: false, error, applied: done, ...(connectUrl ? { connectUrl } : {}) };
    }
    void vscode.commands.executeCommand('setContext', 'kfp.walkthrough.hasTriggers', true);
    return { ok: true, applied: true, done, plan: result, summary };
  });

  register(s, 'kfp.component.updateReferences', async (...args: unknown[]) => {
    const c = await need(args[0]);
    const o = opts(args) as { image?: string; digest?: string; preview?: boolean };
    const st = components.state(c.dir, c.folder).push;
    const image = o.image ?? st?.image;
    if (!image) throw new UserError('Push the image first, or pass {image} (and {digest}) to point the references at.');
    const r = await updateReferences(c, image, o.digest ?? (o.image ? undefined : st?.digest), o.preview !== false);
    return { ok: true, ...r };
  });
}

/**
 * Points every use of the component's image at `image` (or `repository@digest`)
 * as one WorkspaceEdit. With preview, VS Code's refactor preview shows the diff
 * and nothing changes until the user applies it.
 */
async function updateReferences(c: Component, image: string, digest: string | undefined, preview: boolean): Promise<{ edits: number; files: string[]; applied: boolean; to: string }> {
  const to = digest ? formatImage({ repository: parseImage(image).repository, digest }) : image;
  const edit = new vscode.WorkspaceEdit();
  const files = new Set<string>();
  let n = 0;
  for (const u of c.uses) {
    if (u.image === to) continue;
    const uri = vscode.Uri.file(u.file);
    edit.replace(uri, new vscode.Range(u.line, u.start, u.line, u.end), to, { label: `${path.basename(u.file)}:${u.line + 1}: ${u.image} → ${to}`, needsConfirmation: preview });
    files.add(vscode.workspace.asRelativePath(u.file));
    n++;
  }
  if (!n) return { edits: 0, files: [], applied: false, to };
  // A refactoring: VS Code saves the files it changed when files.refactoring.autoSave is on (its default).
  const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
  return { edits: n, files: [...files], applied, to };
}

/** Build · Try · Push above the first line of a Dockerfile of a component folder. */
export class DockerfileLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('kfp').get<boolean>('codeLens.enabled', true)) return [];
    const at = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(at, { title: '$(tools) Build', command: 'kfp.component.build', arguments: [doc.uri], tooltip: 'Build this folder\'s image with the local container engine' }),
      new vscode.CodeLens(at, { title: '$(play) Try', command: 'kfp.component.try', arguments: [doc.uri], tooltip: 'Run the last build with the inputs of component.yaml' }),
      new vscode.CodeLens(at, { title: '$(cloud-upload) Push', command: 'kfp.component.push', arguments: [doc.uri], tooltip: 'Push the last build to its registry, then offer to update the pipelines that use it' }),
      new vscode.CodeLens(at, { title: '$(cloud) Build on Cloud Build', command: 'kfp.component.cloudBuild', arguments: [doc.uri], tooltip: 'Upload the folder as gcloud builds submit does and build it on Cloud Build (kfp.cloudBuild.project)' }),
    ];
  }
}
