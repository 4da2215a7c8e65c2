// CI for component folders: one Cloud Build trigger per folder, as the article
// sets them up (`gcloud beta builds triggers create github --included-files=DIR/**
// --build-config=DIR/cloudbuild.yaml`), so that a push that touches a folder
// rebuilds only its image. The plan (create / update / unchanged / orphaned) is
// computed first and shown; applying it is idempotent (triggers are matched by
// name). Shapes are cloudbuild_v1.Schema$BuildTrigger (@googleapis/cloudbuild).
import type { cloudbuild_v1 } from '@googleapis/cloudbuild';
import { createHash } from 'node:crypto';

export type Trigger = cloudbuild_v1.Schema$BuildTrigger;

/** Triggers this extension manages carry this tag; others are never touched or called orphaned. */
export const MANAGED_TAG = 'kfp-vscode';

/** Where pushes come from: the Cloud Build GitHub app (owner/name), or a 2nd-gen repository connection. */
export type RepoRef = { kind: 'github'; owner: string; name: string } | { kind: 'connection'; repository: string };

export interface TriggerPlanInput {
  components: Array<{ dir: string; cloudbuild?: string }>;
  repo: RepoRef;
  /** A branch regex (RE2), e.g. ^main$. */
  branch: string;
  prefix?: string;
  substitutions?: Record<string, string>;
}

/** A trigger name Cloud Build accepts (letters, digits, dashes; at most 64), stable for a folder. */
export function triggerName(prefix: string, dir: string): string {
  const base = `${prefix}-${dir || 'root'}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (base.length <= 64) return base;
  const h = createHash('sha256').update(dir).digest('hex').slice(0, 8);
  return `${base.slice(0, 55).replace(/-$/, '')}-${h}`;
}

/** The tag of the builds of a component folder started from the editor (Build.tags: not docker tags). */
export function componentTag(dir: string): string { return triggerName('kfp', dir); }

export function desiredTriggers(i: TriggerPlanInput): Trigger[] {
  const prefix = i.prefix ?? 'kfp';
  const out: Trigger[] = [];
  for (const c of i.components) {
    if (!c.cloudbuild) continue;
    const push: cloudbuild_v1.Schema$PushFilter = { branch: i.branch };
    const t: Trigger = {
      name: triggerName(prefix, c.dir),
      description: `Builds ${c.dir || 'the repository root'} when a push changes it (Kubeflow Pipelines for VS Code)`,
      tags: [MANAGED_TAG],
      includedFiles: [c.dir ? `${c.dir}/**` : '**'],
      filename: c.cloudbuild,
      ...(i.substitutions && Object.keys(i.substitutions).length ? { substitutions: { ...i.substitutions } } : {}),
      ...(i.repo.kind === 'github' ? { github: { owner: i.repo.owner, name: i.repo.name, push } } : { repositoryEventConfig: { repository: i.repo.repository, push } }),
    };
    out.push(t);
  }
  return out;
}

export interface PlanItem { action: 'create' | 'update' | 'unchanged' | 'orphaned'; name: string; desired?: Trigger; existing?: Trigger; changes: string[] }

const norm = (v: unknown) => JSON.stringify(v ?? null, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== undefined && y !== null).sort(([a], [b]) => a.localeCompare(b))) : x));

/** What to do: by name; only fields this extension sets are compared; managed triggers no folder wants are orphaned. */
export function planTriggers(desired: Trigger[], existing: Trigger[]): PlanItem[] {
  const byName = new Map(existing.map((t) => [t.name ?? '', t]));
  const out: PlanItem[] = [];
  for (const d of desired) {
    const e = byName.get(d.name!);
    if (!e) { out.push({ action: 'create', name: d.name!, desired: d, changes: [] }); continue; }
    const changes: string[] = [];
    for (const k of ['includedFiles', 'filename', 'github', 'repositoryEventConfig', 'substitutions', 'disabled'] as const) {
      const want = k === 'disabled' ? false : d[k];
      const have = k === 'disabled' ? Boolean(e.disabled) : e[k];
      if (norm(want) !== norm(have)) changes.push(k);
    }
    out.push({ action: changes.length ? 'update' : 'unchanged', name: d.name!, desired: d, existing: e, changes });
  }
  const wanted = new Set(desired.map((d) => d.name));
  for (const e of existing) if (e.tags?.includes(MANAGED_TAG) && !wanted.has(e.name)) out.push({ action: 'orphaned', name: e.name ?? '', existing: e, changes: [] });
  return out;
}

/** owner/name of a GitHub remote URL (https, ssh, scp-like), or undefined. */
export function githubRepoOf(remoteUrl: string): { owner: string; name: string } | undefined {
  const m = /github\.com[:/]+([^/\s]+)\/([^/\s]+?)(?:\.git)?\/?$/.exec(remoteUrl.trim());
  return m ? { owner: m[1], name: m[2] } : undefined;
}
