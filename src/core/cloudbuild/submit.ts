// Submitting a component folder to Cloud Build from the editor: what to upload
// (the folder, or the repository root when the config was written for a trigger
// there), the build request, the upload and the streamed build.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadYaml } from '../util/lazy';
import { fileChooserForDir } from './gcloudignore';
import { describeSnapshot, snapshot, Snapshot, writeTarball } from './snapshot';
import { Build, CloudBuildClient, RESUMABLE_THRESHOLD, stagedObjectName, stagingBucketName } from './cloudBuild';
import { componentTag, MANAGED_TAG } from './triggers';

export interface SubmitPlan {
  /** The folder uploaded (the component folder, or the repository root for configs with step `dir:`s). */
  root: string;
  /** Why that root, in words. */
  why: string;
  snapshot: Snapshot;
  build: Build;
}

export interface SubmitInput {
  projectId: string;
  region?: string;
  /** The component folder (absolute). */
  folder: string;
  /** The repository (or workspace folder) root, absolute. */
  repoRoot: string;
  /** Text of the folder's cloudbuild.yaml, when it has one. */
  configText?: string;
  /** Image name for a folder without a config (one docker build-and-push step, as `gcloud builds submit --tag`). */
  tag?: string;
  /** User-defined substitutions (_VAR) from settings or asked. */
  substitutions?: Record<string, string>;
  /** What a trigger would fill in, taken from the repository's HEAD (SHORT_SHA, COMMIT_SHA, BRANCH_NAME). */
  git?: { commitSha?: string; branchName?: string };
  gcloudignoreEnabled?: boolean;
}

/** Built-ins only a trigger fills in: set here from the repository, in the request (never in the user's file). */
function fillTriggerBuiltins(value: unknown, git: SubmitInput['git']): unknown {
  if (!git?.commitSha && !git?.branchName) return value;
  const map: Record<string, string | undefined> = { SHORT_SHA: git.commitSha?.slice(0, 7), COMMIT_SHA: git.commitSha, REVISION_ID: git.commitSha, BRANCH_NAME: git.branchName };
  const sub = (s: string) => s.replace(/\$(?:\{(SHORT_SHA|COMMIT_SHA|REVISION_ID|BRANCH_NAME)\}|(SHORT_SHA|COMMIT_SHA|REVISION_ID|BRANCH_NAME)\b)/g, (m, a?: string, b?: string) => map[(a ?? b)!] ?? m);
  if (typeof value === 'string') return sub(value);
  if (Array.isArray(value)) return value.map((v) => fillTriggerBuiltins(v, git));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTriggerBuiltins(v, git)]));
  return value;
}

/** The build request and what to upload, before anything is sent. */
export function planSubmit(i: SubmitInput): SubmitPlan {
  let build: Build;
  let root = i.folder;
  let why = 'the component folder';
  if (i.configText !== undefined) {
    const doc = loadYaml().parse(i.configText) as Build | null;
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.steps) || !doc.steps.length) throw new Error('cloudbuild.yaml has no steps: nothing to build.');
    build = fillTriggerBuiltins(doc, i.git) as Build;
    // A config written for a trigger at the repository root sets its steps' dir: to this folder: upload from the root.
    const rel = path.relative(i.repoRoot, i.folder).split(path.sep).join('/');
    const dirs = build.steps!.map((s) => s.dir).filter((d): d is string => typeof d === 'string' && d.length > 0);
    if (rel && dirs.length && dirs.some((d) => d.replace(/^\.\//, '').replace(/\/$/, '') === rel || d.startsWith(`${rel}/`))) {
      root = i.repoRoot;
      why = `the repository root: the steps of cloudbuild.yaml run in dir: ${dirs[0]}, a path from the root (the config was written for a trigger)`;
    }
  } else {
    if (!i.tag) throw new Error('No cloudbuild.yaml and no image name: nothing says what to build.');
    // gcloud builds submit --tag: one docker build step and the image to push.
    build = { steps: [{ name: 'gcr.io/cloud-builders/docker', args: ['build', '--no-cache', '-t', i.tag, '.'] }], images: [i.tag] };
  }
  const subs = { ...(build.substitutions ?? {}), ...(i.substitutions ?? {}) };
  if (Object.keys(subs).length) build.substitutions = subs;
  // Tagged so the component's recent builds can be listed (tags="…"); the config's own tags are kept.
  const rel = path.relative(i.repoRoot, i.folder).split(path.sep).join('/');
  build.tags = [...new Set([...(build.tags ?? []), MANAGED_TAG, componentTag(rel)])];
  const snap = snapshot(root, fileChooserForDir(root, { enabled: i.gcloudignoreEnabled }));
  return { root, why, snapshot: snap, build };
}

export interface SubmitProgress {
  onLine?: (text: string) => void;
  onLog?: (text: string) => void;
  onStatus?: (b: Build) => void;
  signal?: AbortSignal;
  pollMs?: number;
  /** Chunk size of a resumable upload (default 8 MiB). */
  uploadChunkBytes?: number;
}

/** Stages the source, creates the build and follows it to its end; cancelling cancels the build. */
export async function submitBuild(client: CloudBuildClient, i: SubmitInput, plan: SubmitPlan, p: SubmitProgress = {}): Promise<{ build: Build; bucket: string; object: string; bytes: number }> {
  const say = (s: string) => p.onLine?.(`${s}\n`);
  say(`Uploading ${why(plan)}: ${describeSnapshot(plan.snapshot)}.`);
  // As gcloud: the tarball is written to a temporary file, then uploaded from it (resumable above 5 MiB), never held whole.
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfp-cb-')), 'source.tgz');
  let bytes = 0;
  let bucket: string;
  let object: string;
  let obj: Awaited<ReturnType<CloudBuildClient['uploadFile']>>;
  try {
    bytes = await writeTarball(plan.snapshot, fs.createWriteStream(tmp), p.signal);
    ({ bucket } = await client.ensureStagingBucket(i.projectId, stagingBucketName(i.projectId)));
    object = stagedObjectName();
    let said = 0;
    obj = await client.uploadFile(bucket, object, tmp, { signal: p.signal, chunkBytes: p.uploadChunkBytes, onProgress: (sent, total) => {
      if (total > RESUMABLE_THRESHOLD && sent < total && sent - said >= total / 10) { said = sent; say(`  ${Math.floor((100 * sent) / total)}% uploaded`); }
    } });
  } finally { fs.rmSync(path.dirname(tmp), { recursive: true, force: true }); }
  say(`Uploaded gs://${bucket}/${object} (${(bytes / 1024).toFixed(1)} KiB).`);
  const request: Build = { ...plan.build, source: { storageSource: { bucket, object, generation: obj.generation ?? undefined } } };
  const { build } = await client.createBuild(i.projectId, request, i.region);
  say(`Created build ${build.id}${build.logUrl ? `: ${build.logUrl}` : ''}`);
  let cancelled = false;
  const onAbort = () => { cancelled = true; void client.cancelBuild(i.projectId, build.id!, i.region).catch(() => undefined); };
  p.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The build is followed without the caller's signal: after a cancel it is followed to its CANCELLED end.
    const end = await client.follow(i.projectId, build, { region: i.region, pollMs: p.pollMs, onLog: p.onLog, onStatus: p.onStatus });
    if (cancelled && end.status !== 'CANCELLED') say(`The build was asked to stop but ended ${end.status}.`);
    return { build: end, bucket, object, bytes };
  } finally { p.signal?.removeEventListener('abort', onAbort); }
}

function why(plan: SubmitPlan): string {
  return plan.why === 'the component folder' ? plan.root : `${plan.root} (${plan.why})`;
}
