// The explorer of a Vertex AI Pipelines endpoint: pipeline runs (PipelineJobs,
// newest first, a page at a time, filtered on the server), schedules (each
// expanding into the runs it started), and pipeline templates of the endpoint's
// Artifact Registry KFP repository (packages → versions with their tags).
import * as vscode from 'vscode';
import type { Run } from '../core/kfp/types';
import { PagedList } from '../core/util/pagedList';
import { templateRepo, type VertexClient } from '../core/vertex/client';
import { runOfJob } from '../core/vertex/runs';
import type { ArVersion, Schedule } from '../core/vertex/types';
import { icons } from './icons';
import { MessageNode } from './messageNode';
import { ExplorerContext, ExplorerNode, formatTime, PagedNode, relativeTime, tooltip } from './node';
import { pagedChildren } from './pagedChildren';
import { RunNode } from './runNode';

export type VertexRootKind = 'vertexRuns' | 'vertexSchedules' | 'vertexTemplates';

/** The SDK's simple view of a job (python-aiplatform constants/pipeline.py), plus the error for the tooltip. */
export const LIST_READ_MASK = 'name,state,display_name,pipeline_spec.pipeline_info,create_time,start_time,end_time,update_time,labels,template_uri,template_metadata.version,schedule_name,error';

export interface VertexContext extends ExplorerContext {
  vertex(): Promise<VertexClient>;
  templateRepository(): string | undefined;
  /** The name filter of the view, as text. */
  filterText(): string;
  /** State and label filters of Vertex runs (kfp.vertex.filterRuns). */
  vertexFilter(): VertexRunFilter;
}

export interface VertexRunFilter { state?: string; labels?: Record<string, string> }

/** The AIP-160 terms of a run filter (pipeline_service.proto ListPipelineJobsRequest.filter: state =, labels.key =). */
export function vertexFilterTerms(f: VertexRunFilter): string[] {
  const out: string[] = [];
  if (f.state) out.push(`state=${lit(f.state.startsWith('PIPELINE_STATE_') ? f.state : `PIPELINE_STATE_${f.state}`)}`);
  for (const [k, v] of Object.entries(f.labels ?? {})) out.push(`labels.${k}=${lit(v)}`);
  return out;
}

/** An AIP-160 string literal. */
const lit = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function runsList(ctx: VertexContext, filter?: string): PagedList<Run> {
  return new PagedList<Run>(async (o, signal) => {
    const v = await ctx.vertex();
    const text = ctx.filterText();
    const f = [filter, text ? `display_name:${lit(`*${text}*`)}` : undefined, ...vertexFilterTerms(ctx.vertexFilter())].filter(Boolean).join(' AND ') || undefined;
    const page = await v.listPipelineJobs({ pageSize: o.pageSize, pageToken: o.pageToken, filter: f, readMask: LIST_READ_MASK }, signal);
    return { items: page.items.map(runOfJob), nextPageToken: page.nextPageToken };
  }, ctx.pageSize());
}

export class VertexRootNode implements PagedNode {
  readonly id: string;
  readonly parent = undefined;
  list?: PagedList<unknown>;
  constructor(readonly kind: VertexRootKind, private readonly ctx: VertexContext, private readonly runNodes: (n: RunNode) => RunNode) { this.id = kind; }

  treeItem(): vscode.TreeItem {
    const label = { vertexRuns: 'Pipeline runs', vertexSchedules: 'Schedules', vertexTemplates: 'Templates' }[this.kind];
    const item = new vscode.TreeItem(label, this.kind === 'vertexRuns' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = { vertexRuns: icons.runs, vertexSchedules: icons.recurring, vertexTemplates: icons.pipelines }[this.kind];
    item.contextValue = `kfp.root ${this.kind}`;
    if (this.kind === 'vertexRuns') {
      item.tooltip = 'Vertex AI pipeline runs of the project and region, newest first.';
      const terms = [this.ctx.filterText() ? `name contains "${this.ctx.filterText()}"` : '', ...vertexFilterTerms(this.ctx.vertexFilter())].filter(Boolean);
      if (terms.length) item.description = terms.join(' · ');
    }
    if (this.kind === 'vertexTemplates') item.tooltip = this.ctx.templateRepository() ?? 'Set "templateRepository" on the endpoint (https://REGION-kfp.pkg.dev/PROJECT/REPOSITORY) to see its templates.';
    return item;
  }

  async children(): Promise<ExplorerNode[]> {
    if (this.kind === 'vertexRuns') {
      this.list ??= runsList(this.ctx) as PagedList<unknown>;
      this.ctx.register(this);
      const filtered = Boolean(this.ctx.filterText() || vertexFilterTerms(this.ctx.vertexFilter()).length);
      return pagedChildren(this, this.list as PagedList<Run>, (r) => this.runNodes(new RunNode(r, this)), filtered ? 'No runs match the filter' : 'No pipeline runs in this region yet');
    }
    if (this.kind === 'vertexSchedules') {
      this.list ??= new PagedList<Schedule>(async (o, signal) => {
        const page = await (await this.ctx.vertex()).listSchedules({ pageSize: o.pageSize, pageToken: o.pageToken }, signal);
        return { items: page.items, nextPageToken: page.nextPageToken };
      }, this.ctx.pageSize()) as PagedList<unknown>;
      this.ctx.register(this);
      return pagedChildren(this, this.list as PagedList<Schedule>, (s) => new VertexScheduleNode(s, this, this.ctx, this.runNodes), 'No schedules');
    }
    const repoUrl = this.ctx.templateRepository();
    if (!repoUrl) return [new MessageNode(`${this.id}/none`, 'No template repository: set "templateRepository" on the endpoint', 'empty', this)];
    try {
      const v = await this.ctx.vertex();
      const repo = templateRepo(repoUrl, v.location.region);
      const pkgs = await v.listPackages(repo);
      if (!pkgs.length) return [new MessageNode(`${this.id}/empty`, 'No templates yet: upload a pipeline as a template', 'empty', this)];
      return pkgs.map((p) => new VertexTemplateNode(p.name?.split('/').pop() ?? '', this, this.ctx));
    } catch (e) {
      return [new MessageNode(`${this.id}/error`, (e as Error).message, 'error', this)];
    }
  }

  loadMore(): Promise<number> { return this.list ? this.list.loadMore() : Promise.resolve(0); }
}

export class VertexScheduleNode implements PagedNode {
  readonly id: string;
  list?: PagedList<Run>;
  constructor(readonly schedule: Schedule, readonly parent: ExplorerNode, private readonly ctx: VertexContext, private readonly runNodes: (n: RunNode) => RunNode) {
    this.id = `${parent.id}/schedule:${schedule.name}`;
  }
  get scheduleId(): string { return this.schedule.name?.split('/').pop() ?? ''; }
  treeItem(): vscode.TreeItem {
    const s = this.schedule;
    const item = new vscode.TreeItem(s.displayName || this.scheduleId, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = s.state === 'ACTIVE' ? icons.recurringEnabled : icons.recurringDisabled;
    const next = s.state === 'ACTIVE' && s.nextRunTime ? `next ${relativeIn(s.nextRunTime)}` : s.state?.toLowerCase();
    item.description = [s.cron, next].filter(Boolean).join(' · ');
    item.tooltip = tooltip(`Schedule ${s.displayName ?? ''}`, [
      ['State', s.state], ['Cron', s.cron], ['Next run', formatTime(s.nextRunTime)], ['Runs started', s.startedRunCount],
      ['Max runs', s.maxRunCount], ['Max concurrent runs', s.maxConcurrentRunCount], ['Start', formatTime(s.startTime)], ['End', formatTime(s.endTime)],
      ['Last run', s.lastScheduledRunResponse?.runResponse], ['Resource name', s.name],
    ]);
    item.contextValue = `kfp.vertexSchedule ${s.state === 'ACTIVE' ? 'active' : s.state === 'PAUSED' ? 'paused' : 'completed'}`;
    return item;
  }
  async children(): Promise<ExplorerNode[]> {
    // The runs a schedule started: the SDK lists them with schedule_name="{name}" (pipeline_job_schedules.py list_jobs).
    this.list ??= runsList(this.ctx, `schedule_name=${lit(this.schedule.name ?? '')}`);
    this.ctx.register(this);
    return pagedChildren(this, this.list, (r) => this.runNodes(new RunNode(r, this)), 'No runs yet');
  }
  loadMore(): Promise<number> { return this.list ? this.list.loadMore() : Promise.resolve(0); }
}

export class VertexTemplateNode implements ExplorerNode {
  readonly id: string;
  constructor(readonly packageName: string, readonly parent: ExplorerNode, private readonly ctx: VertexContext) { this.id = `${parent.id}/template:${packageName}`; }
  treeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.packageName, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.id;
    item.iconPath = icons.pipeline;
    item.contextValue = 'kfp.vertexTemplate';
    return item;
  }
  async children(): Promise<ExplorerNode[]> {
    try {
      const v = await this.ctx.vertex();
      const versions = await v.listVersions(templateRepo(this.ctx.templateRepository() ?? '', v.location.region), this.packageName);
      versions.sort((a, b) => String(b.createTime).localeCompare(String(a.createTime)));
      return versions.map((x) => new VertexTemplateVersionNode(this.packageName, x, this));
    } catch (e) {
      return [new MessageNode(`${this.id}/error`, (e as Error).message, 'error', this)];
    }
  }
}

export class VertexTemplateVersionNode implements ExplorerNode {
  readonly id: string;
  constructor(readonly packageName: string, readonly version: ArVersion, readonly parent: ExplorerNode) { this.id = `${parent.id}/version:${version.name}`; }
  get versionId(): string { return this.version.name?.split('/').pop() ?? ''; }
  get tags(): string[] { return (this.version.relatedTags ?? []).map((t) => t.name?.split('/').pop() ?? '').filter(Boolean); }
  treeItem(): vscode.TreeItem {
    const tags = this.tags;
    const item = new vscode.TreeItem(tags.length ? tags.join(', ') : this.versionId.slice(0, 19), vscode.TreeItemCollapsibleState.None);
    item.id = this.id;
    item.iconPath = icons.version;
    item.description = [tags.length ? this.versionId.slice(0, 19) : undefined, relativeTime(this.version.createTime)].filter(Boolean).join(' · ');
    item.tooltip = tooltip(`Template ${this.packageName}`, [['Version', this.versionId], ['Tags', tags.join(', ')], ['Created', formatTime(this.version.createTime)], ['Description', this.version.description]]);
    item.contextValue = 'kfp.vertexTemplateVersion';
    return item;
  }
}

function relativeIn(t: string, now = Date.now()): string {
  const ms = Date.parse(t) - now;
  if (Number.isNaN(ms)) return t;
  if (ms < 0) return 'due';
  const m = Math.round(ms / 60000);
  return m < 60 ? `in ${m} min` : m < 48 * 60 ? `in ${Math.round(m / 60)} h` : `in ${Math.round(m / 1440)} d`;
}
