// The "retrain on new data" Cloud Function the editor writes into the workspace
// (a folder the user owns): on a Cloud Storage `object.finalized` CloudEvent it
// checks the object's prefix and suffix, then starts a run of the chosen pipeline
// (a version, or its latest) with the object's gs:// path as a parameter.
// Duplicate deliveries (Cloud Functions delivers at least once; ../shared/
// cd-reference.md A5) start no second run: the run's name carries the event's ID
// (CloudEvents: source + id identify an event) and is looked up before creating.
// Node.js (@google-cloud/functions-framework) and Python (functions-framework, the
// KFP REST calls with the standard library only) behave the same.

export interface RetrainConfig {
  /** Where runs start: a KFP server (default) or Vertex AI Pipelines. */
  backend?: 'kfp' | 'vertex';
  /** KFP's base URL as the function reaches it (e.g. https://HOST/pipeline, or an in-cluster URL). */
  kfpHost?: string;
  /** none | iap (an ID token for iapClientId from the metadata server) | bearer (the KFP_AUTHORIZATION variable). */
  auth?: 'none' | 'iap' | 'bearer';
  /** Vertex AI: project, region, and the template the job runs (https://REGION-kfp.pkg.dev/P/REPO/PACKAGE/TAG|sha256:…). */
  project?: string;
  region?: string;
  templateUri?: string;
  pipelineRoot?: string;
  serviceAccount?: string;
  network?: string;
  labels?: Record<string, string>;
  /** Vertex AI: another API root (a private endpoint, an emulator); it gets no token. */
  apiRoot?: string;
  iapClientId?: string;
  /** Multi-user Kubeflow behind a gateway that trusts it: the user header and its value. */
  userHeader?: string;
  userId?: string;
  namespace?: string;
  pipelineId?: string;
  /** Empty: the pipeline's latest version when the event arrives. */
  pipelineVersionId?: string;
  experimentId?: string;
  /** The pipeline parameter that receives gs://BUCKET/OBJECT. */
  parameterName: string;
  /** Other parameters, fixed. */
  parameters?: Record<string, unknown>;
  prefix?: string;
  suffix?: string;
  runNamePrefix?: string;
}

export type RetrainLanguage = 'node' | 'python';

export const ENTRY_POINT = 'retrain';
export const RUNTIMES: Record<RetrainLanguage, string> = { node: 'nodejs20', python: 'python312' };

const HEADER = (c: string) => `${c} Starts a Kubeflow Pipelines run when a new object lands in Cloud Storage.
${c} Written by Kubeflow Pipelines for VS Code: this folder is yours to change.
${c} Settings are in retrain.config.json (the RETRAIN_CONFIG variable, JSON, overrides them).`;

function nodeFiles(): Record<string, string> {
  const retrain = `'use strict';
${HEADER('//')}
const fs = require('node:fs');
const path = require('node:path');

const FINALIZED = 'google.cloud.storage.object.v1.finalized';

function loadConfig(env = process.env) {
  const file = JSON.parse(fs.readFileSync(path.join(__dirname, 'retrain.config.json'), 'utf8'));
  return { ...file, ...(env.RETRAIN_CONFIG ? JSON.parse(env.RETRAIN_CONFIG) : {}) };
}

/** What to do with an event: {skip: why}, or the run's name and the object's gs:// path. */
function decide(event, cfg) {
  if (event.type && event.type !== FINALIZED) return { skip: \`event type \${event.type} is not \${FINALIZED}\` };
  const data = typeof event.data === 'string' ? JSON.parse(event.data) : (event.data || {});
  const bucket = data.bucket;
  const name = data.name;
  if (!bucket || !name) return { skip: 'the event names no bucket or object' };
  if (name.endsWith('/')) return { skip: \`\${name} is a folder placeholder\` };
  if (cfg.prefix && !name.startsWith(cfg.prefix)) return { skip: \`\${name} is not under \${cfg.prefix}\` };
  if (cfg.suffix && !name.endsWith(cfg.suffix)) return { skip: \`\${name} does not end with \${cfg.suffix}\` };
  // The event's ID makes the run's name: a second delivery of the same event finds the first run.
  const id = String(event.id || \`\${bucket}/\${name}#\${data.generation || ''}\`);
  return { gcsPath: \`gs://\${bucket}/\${name}\`, runName: \`\${cfg.runNamePrefix || 'retrain'} \${name.split('/').pop()} [\${id}]\` };
}

async function headers(cfg, env, fetchFn) {
  const h = { 'content-type': 'application/json' };
  if (cfg.userId) h[(cfg.userHeader || 'kubeflow-userid').toLowerCase()] = cfg.userId;
  if (env.KFP_AUTHORIZATION) h.authorization = env.KFP_AUTHORIZATION;
  else if (cfg.auth === 'iap') {
    const url = \`http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity?audience=\${encodeURIComponent(cfg.iapClientId || '')}\`;
    const r = await fetchFn(url, { headers: { 'Metadata-Flavor': 'Google' } });
    if (!r.ok) throw new Error(\`no ID token from the metadata server (HTTP \${r.status})\`);
    h.authorization = \`Bearer \${(await r.text()).trim()}\`;
  }
  return h;
}

async function kfp(cfg, env, fetchFn, method, p, body) {
  const res = await fetchFn(\`\${cfg.kfpHost.replace(/\\/$/, '')}/apis/v2beta1/\${p}\`, { method, headers: await headers(cfg, env, fetchFn), body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) {
    const e = new Error(\`KFP \${method} \${p.split('?')[0]}: HTTP \${res.status} \${text.slice(0, 300)}\`);
    e.status = res.status;
    throw e;
  }
  return text ? JSON.parse(text) : {};
}

// ---- Vertex AI Pipelines (backend "vertex") ----------------------------------
// A PipelineJob from the template (pipeline_job.proto: templateUri, runtimeConfig), its ID made from the event, so a
// second delivery is refused as ALREADY_EXISTS (409) instead of starting a second run. The token comes from the
// metadata server of the function's service account; only Google's hosts get it.

function vertexRoot(cfg) { return (cfg.apiRoot || \`https://\${cfg.region}-aiplatform.googleapis.com\`).replace(/\\/$/, ''); }

function jobIdOf(event) {
  const data = typeof event.data === 'string' ? JSON.parse(event.data) : (event.data || {});
  const key = \`\${event.source || ''} \${event.id || \`\${data.bucket}/\${data.name}#\${data.generation || ''}\`}\`;
  return \`retrain-\${require('node:crypto').createHash('sha256').update(key).digest('hex').slice(0, 40)}\`;
}

async function vertexHeaders(cfg, env, fetchFn) {
  const h = { 'content-type': 'application/json' };
  if (env.VERTEX_AUTHORIZATION) h.authorization = env.VERTEX_AUTHORIZATION;
  else if (/^https:\\/\\/[^/]*googleapis\\.com(\\/|$)/.test(vertexRoot(cfg))) {
    const r = await fetchFn('http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token', { headers: { 'Metadata-Flavor': 'Google' } });
    if (!r.ok) throw new Error(\`no access token from the metadata server (HTTP \${r.status})\`);
    h.authorization = \`Bearer \${(await r.json()).access_token}\`;
  }
  return h;
}

async function startVertex(event, d, cfg, env, fetchFn, log) {
  const jobId = jobIdOf(event);
  const parent = \`projects/\${cfg.project}/locations/\${cfg.region}\`;
  const body = {
    displayName: d.runName.slice(0, 128), templateUri: cfg.templateUri,
    runtimeConfig: { gcsOutputDirectory: cfg.pipelineRoot, parameterValues: { ...(cfg.parameters || {}), [cfg.parameterName]: d.gcsPath } },
    ...(cfg.serviceAccount ? { serviceAccount: cfg.serviceAccount } : {}), ...(cfg.network ? { network: cfg.network } : {}), ...(cfg.labels ? { labels: cfg.labels } : {}),
  };
  const res = await fetchFn(\`\${vertexRoot(cfg)}/v1/\${parent}/pipelineJobs?pipelineJobId=\${jobId}\`, { method: 'POST', headers: await vertexHeaders(cfg, env, fetchFn), body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status === 409) { log(\`already started for this event: run \${jobId}\`); return { duplicate: true, runId: jobId, runName: d.runName }; }
  if (!res.ok) { const e = new Error(\`Vertex AI create pipeline job: HTTP \${res.status} \${text.slice(0, 300)}\`); e.status = res.status; throw e; }
  log(\`started run \${jobId} (\${d.runName}) with \${cfg.parameterName}=\${d.gcsPath}\`);
  return { runId: jobId, runName: d.runName, gcsPath: d.gcsPath };
}

/**
 * Handles one event. Throws on failures worth retrying (no answer, 5xx, 429), so that a function deployed with
 * retries gets the event again; a retry finds the run a lost answer had created and starts no second one.
 */
async function startRetrain(event, { cfg = loadConfig(), env = process.env, fetchFn = fetch, log = console.log } = {}) {
  const d = decide(event, cfg);
  if (d.skip) { log(\`skipped: \${d.skip}\`); return { skipped: d.skip }; }
  try {
    if (cfg.backend === 'vertex') return await startVertex(event, d, cfg, env, fetchFn, log);
    const filter = encodeURIComponent(JSON.stringify({ predicates: [{ key: 'display_name', operation: 'EQUALS', string_value: d.runName }] }));
    const scope = \`\${cfg.experimentId ? \`&experiment_id=\${encodeURIComponent(cfg.experimentId)}\` : ''}\${cfg.namespace ? \`&namespace=\${encodeURIComponent(cfg.namespace)}\` : ''}\`;
    const existing = await kfp(cfg, env, fetchFn, 'GET', \`runs?page_size=1&filter=\${filter}\${scope}\`);
    if (existing.runs && existing.runs.length) {
      log(\`already started for this event: run \${existing.runs[0].run_id}\`);
      return { duplicate: true, runId: existing.runs[0].run_id, runName: d.runName };
    }
    let versionId = cfg.pipelineVersionId;
    if (!versionId) {
      const v = await kfp(cfg, env, fetchFn, 'GET', \`pipelines/\${encodeURIComponent(cfg.pipelineId)}/versions?page_size=1&sort_by=\${encodeURIComponent('created_at desc')}\`);
      versionId = v.pipeline_versions && v.pipeline_versions[0] && v.pipeline_versions[0].pipeline_version_id;
      if (!versionId) throw Object.assign(new Error(\`pipeline \${cfg.pipelineId} has no version\`), { status: 404 });
    }
    const run = await kfp(cfg, env, fetchFn, 'POST', 'runs', {
      display_name: d.runName,
      ...(cfg.experimentId ? { experiment_id: cfg.experimentId } : {}),
      pipeline_version_reference: { pipeline_id: cfg.pipelineId, pipeline_version_id: versionId },
      runtime_config: { parameters: { ...(cfg.parameters || {}), [cfg.parameterName]: d.gcsPath } },
    });
    log(\`started run \${run.run_id} (\${d.runName}) with \${cfg.parameterName}=\${d.gcsPath}\`);
    return { runId: run.run_id, runName: d.runName, gcsPath: d.gcsPath, versionId };
  } catch (e) {
    // A refusal (bad settings, a missing pipeline) will not change on a retry: said, not retried.
    if (e.status >= 400 && e.status < 500 && e.status !== 408 && e.status !== 429) { log(\`not retried: \${e.message}\`); return { error: e.message }; }
    throw e;
  }
}

module.exports = { decide, startRetrain, loadConfig };
`;
  const index = `'use strict';
${HEADER('//')}
const functions = require('@google-cloud/functions-framework');
const { startRetrain } = require('./retrain');

functions.cloudEvent('${ENTRY_POINT}', async (event) => { await startRetrain(event); });
`;
  const pkg = JSON.stringify({
    name: 'kfp-retrain-function', version: '1.0.0', private: true, main: 'index.js', engines: { node: '>=20' },
    scripts: { start: `functions-framework --target=${ENTRY_POINT} --signature-type=cloudevent`, test: 'node --test test/' },
    dependencies: { '@google-cloud/functions-framework': '^5.0.5' },
  }, null, 2) + '\n';
  const test = `'use strict';
// The function's own tests: its decisions, and (with KFP_TEST_HOST set to a KFP server, e.g. the editor's
// emulator) one event through the Functions Framework, delivered twice, which must start exactly one run.
const test = require('node:test');
const assert = require('node:assert/strict');
const { decide, loadConfig } = require('../retrain');

const cfg = { ...loadConfig({}), prefix: 'incoming/', suffix: '.csv' };
const event = (name, id = 'evt-1') => ({ id, type: 'google.cloud.storage.object.v1.finalized', source: '//storage.googleapis.com/projects/_/buckets/b', data: { bucket: 'b', name, generation: '1' } });

test('starts a run for a new object under the prefix with the suffix, named by the event', () => {
  const d = decide(event('incoming/day-1.csv'), cfg);
  assert.equal(d.gcsPath, 'gs://b/incoming/day-1.csv');
  assert.match(d.runName, /day-1\\.csv \\[evt-1\\]$/);
});

test('skips other objects, folders and other events', () => {
  assert.ok(decide(event('other/day-1.csv'), cfg).skip);
  assert.ok(decide(event('incoming/day-1.json'), cfg).skip);
  assert.ok(decide(event('incoming/'), cfg).skip);
  assert.ok(decide({ ...event('incoming/x.csv'), type: 'google.cloud.storage.object.v1.deleted' }, cfg).skip);
});

test('through the Functions Framework: one run for an event delivered twice', { skip: !process.env.KFP_TEST_HOST && !process.env.VERTEX_TEST_ROOT && 'set KFP_TEST_HOST (KFP) or VERTEX_TEST_ROOT (Vertex AI), and RETRAIN_CONFIG, to run against a server' }, async () => {
  require('../index');
  const { getTestServer } = require('@google-cloud/functions-framework/testing');
  const server = getTestServer('${ENTRY_POINT}');
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = \`http://127.0.0.1:\${server.address().port}/\`;
  const c = loadConfig();
  const object = \`\${c.prefix || ''}test-\${Date.now()}\${c.suffix || ''}\`;
  const send = () => fetch(url, { method: 'POST', headers: {
    'content-type': 'application/json', 'ce-specversion': '1.0', 'ce-type': 'google.cloud.storage.object.v1.finalized',
    'ce-source': '//storage.googleapis.com/projects/_/buckets/test-bucket', 'ce-subject': \`objects/\${object}\`, 'ce-id': \`dup-\${object}\`, 'ce-time': new Date().toISOString(),
  }, body: JSON.stringify({ bucket: 'test-bucket', name: object, generation: '1', size: '3', contentType: 'text/csv' }) });
  try {
    assert.equal((await send()).status, 204);
    assert.equal((await send()).status, 204);
    if (c.backend === 'vertex') {
      const jobs = await (await fetch(\`\${process.env.VERTEX_TEST_ROOT}/v1/projects/\${c.project}/locations/\${c.region}/pipelineJobs?filter=\${encodeURIComponent(\`display_name:"*\${object}*"\`)}\`)).json();
      assert.equal((jobs.pipelineJobs || []).length, 1);
    } else {
      const filter = encodeURIComponent(JSON.stringify({ predicates: [{ key: 'display_name', operation: 'IS_SUBSTRING', string_value: object }] }));
      const runs = await (await fetch(\`\${process.env.KFP_TEST_HOST}/apis/v2beta1/runs?filter=\${filter}\`)).json();
      assert.equal((runs.runs || []).length, 1);
    }
  } finally { server.close(); }
});
`;
  return { 'retrain.js': retrain, 'index.js': index, 'package.json': pkg, 'test/retrain.test.js': test, '.gcloudignore': '# What gcloud and the editor leave out of the upload.\n.gcloudignore\n.git\n.gitignore\nnode_modules\ntest/\n' };
}

function pythonFiles(): Record<string, string> {
  const retrain = `${HEADER('#')}
"""The logic of the function, with the standard library only (urllib): testable without the framework."""
import hashlib
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request

FINALIZED = "google.cloud.storage.object.v1.finalized"
HERE = os.path.dirname(os.path.abspath(__file__))


def load_config(env=None):
    env = os.environ if env is None else env
    with open(os.path.join(HERE, "retrain.config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    if env.get("RETRAIN_CONFIG"):
        cfg.update(json.loads(env["RETRAIN_CONFIG"]))
    return cfg


def decide(event, cfg):
    """{"skip": why}, or the run's name and the object's gs:// path."""
    if event.get("type") and event["type"] != FINALIZED:
        return {"skip": "event type %s is not %s" % (event["type"], FINALIZED)}
    data = event.get("data") or {}
    if isinstance(data, (str, bytes)):
        data = json.loads(data)
    bucket, name = data.get("bucket"), data.get("name")
    if not bucket or not name:
        return {"skip": "the event names no bucket or object"}
    if name.endswith("/"):
        return {"skip": "%s is a folder placeholder" % name}
    if cfg.get("prefix") and not name.startswith(cfg["prefix"]):
        return {"skip": "%s is not under %s" % (name, cfg["prefix"])}
    if cfg.get("suffix") and not name.endswith(cfg["suffix"]):
        return {"skip": "%s does not end with %s" % (name, cfg["suffix"])}
    # The event's ID makes the run's name: a second delivery of the same event finds the first run.
    event_id = str(event.get("id") or "%s/%s#%s" % (bucket, name, data.get("generation", "")))
    return {"gcsPath": "gs://%s/%s" % (bucket, name),
            "runName": "%s %s [%s]" % (cfg.get("runNamePrefix") or "retrain", name.split("/")[-1], event_id)}


class KfpError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def _headers(cfg, env, opener):
    h = {"content-type": "application/json"}
    if cfg.get("userId"):
        h[(cfg.get("userHeader") or "kubeflow-userid").lower()] = cfg["userId"]
    if env.get("KFP_AUTHORIZATION"):
        h["authorization"] = env["KFP_AUTHORIZATION"]
    elif cfg.get("auth") == "iap":
        url = ("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/identity?audience="
               + urllib.parse.quote(cfg.get("iapClientId") or "", safe=""))
        with opener(urllib.request.Request(url, headers={"Metadata-Flavor": "Google"}), timeout=30) as r:
            h["authorization"] = "Bearer " + r.read().decode().strip()
    return h


def _kfp(cfg, env, opener, method, path, body=None):
    url = cfg["kfpHost"].rstrip("/") + "/apis/v2beta1/" + path
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=_headers(cfg, env, opener))
    try:
        with opener(req, timeout=60) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as e:
        raise KfpError("KFP %s %s: HTTP %s %s" % (method, path.split("?")[0], e.code, e.read().decode()[:300]), e.code)
    return json.loads(text) if text else {}


# ---- Vertex AI Pipelines (backend "vertex") ------------------------------------
# A PipelineJob from the template, its ID made from the event, so a second delivery is refused as ALREADY_EXISTS
# (409) instead of starting a second run. The token comes from the metadata server; only Google's hosts get it.

def _vertex_root(cfg):
    return (cfg.get("apiRoot") or "https://%s-aiplatform.googleapis.com" % cfg["region"]).rstrip("/")


def job_id_of(event):
    data = event.get("data") or {}
    if isinstance(data, (str, bytes)):
        data = json.loads(data)
    key = "%s %s" % (event.get("source") or "", event.get("id") or "%s/%s#%s" % (data.get("bucket"), data.get("name"), data.get("generation", "")))
    return "retrain-" + hashlib.sha256(key.encode()).hexdigest()[:40]


def _start_vertex(event, d, cfg, env, opener, log):
    job_id = job_id_of(event)
    headers = {"content-type": "application/json"}
    if env.get("VERTEX_AUTHORIZATION"):
        headers["authorization"] = env["VERTEX_AUTHORIZATION"]
    elif re.match(r"^https://[^/]*googleapis\\.com(/|$)", _vertex_root(cfg)):
        req = urllib.request.Request("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", headers={"Metadata-Flavor": "Google"})
        with opener(req, timeout=30) as r:
            headers["authorization"] = "Bearer " + json.load(r)["access_token"]
    params = dict(cfg.get("parameters") or {})
    params[cfg["parameterName"]] = d["gcsPath"]
    body = {"displayName": d["runName"][:128], "templateUri": cfg["templateUri"],
            "runtimeConfig": {"gcsOutputDirectory": cfg["pipelineRoot"], "parameterValues": params}}
    for k in ("serviceAccount", "network", "labels"):
        if cfg.get(k):
            body[k] = cfg[k]
    url = "%s/v1/projects/%s/locations/%s/pipelineJobs?pipelineJobId=%s" % (_vertex_root(cfg), cfg["project"], cfg["region"], job_id)
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with opener(req, timeout=60) as r:
            r.read()
    except urllib.error.HTTPError as e:
        if e.code == 409:
            log("already started for this event: run " + job_id)
            return {"duplicate": True, "runId": job_id, "runName": d["runName"]}
        raise KfpError("Vertex AI create pipeline job: HTTP %s %s" % (e.code, e.read().decode()[:300]), e.code)
    log("started run %s (%s) with %s=%s" % (job_id, d["runName"], cfg["parameterName"], d["gcsPath"]))
    return {"runId": job_id, "runName": d["runName"], "gcsPath": d["gcsPath"]}


def start_retrain(event, cfg=None, env=None, opener=urllib.request.urlopen, log=print):
    """Handles one event; raises on failures worth retrying (no answer, 5xx, 429)."""
    cfg = load_config(env) if cfg is None else cfg
    env = os.environ if env is None else env
    d = decide(event, cfg)
    if "skip" in d:
        log("skipped: " + d["skip"])
        return {"skipped": d["skip"]}
    try:
        if cfg.get("backend") == "vertex":
            return _start_vertex(event, d, cfg, env, opener, log)
        flt = urllib.parse.quote(json.dumps({"predicates": [{"key": "display_name", "operation": "EQUALS", "string_value": d["runName"]}]}), safe="")
        scope = ("&experiment_id=" + urllib.parse.quote(cfg["experimentId"], safe="") if cfg.get("experimentId") else "") + \\
                ("&namespace=" + urllib.parse.quote(cfg["namespace"], safe="") if cfg.get("namespace") else "")
        existing = _kfp(cfg, env, opener, "GET", "runs?page_size=1&filter=" + flt + scope)
        if existing.get("runs"):
            log("already started for this event: run " + existing["runs"][0]["run_id"])
            return {"duplicate": True, "runId": existing["runs"][0]["run_id"], "runName": d["runName"]}
        version_id = cfg.get("pipelineVersionId")
        if not version_id:
            v = _kfp(cfg, env, opener, "GET", "pipelines/%s/versions?page_size=1&sort_by=%s" % (urllib.parse.quote(cfg["pipelineId"], safe=""), urllib.parse.quote("created_at desc")))
            versions = v.get("pipeline_versions") or []
            if not versions:
                raise KfpError("pipeline %s has no version" % cfg["pipelineId"], 404)
            version_id = versions[0]["pipeline_version_id"]
        params = dict(cfg.get("parameters") or {})
        params[cfg["parameterName"]] = d["gcsPath"]
        body = {"display_name": d["runName"], "pipeline_version_reference": {"pipeline_id": cfg["pipelineId"], "pipeline_version_id": version_id},
                "runtime_config": {"parameters": params}}
        if cfg.get("experimentId"):
            body["experiment_id"] = cfg["experimentId"]
        run = _kfp(cfg, env, opener, "POST", "runs", body)
        log("started run %s (%s) with %s=%s" % (run["run_id"], d["runName"], cfg["parameterName"], d["gcsPath"]))
        return {"runId": run["run_id"], "runName": d["runName"], "gcsPath": d["gcsPath"], "versionId": version_id}
    except KfpError as e:
        # A refusal (bad settings, a missing pipeline) will not change on a retry: said, not retried.
        if e.status is not None and 400 <= e.status < 500 and e.status not in (408, 429):
            log("not retried: " + str(e))
            return {"error": str(e)}
        raise
`;
  const main = `${HEADER('#')}
import functions_framework

from retrain import start_retrain


@functions_framework.cloud_event
def ${ENTRY_POINT}(cloud_event):
    event = {"id": cloud_event["id"], "type": cloud_event["type"], "source": cloud_event["source"], "data": cloud_event.data}
    start_retrain(event)
`;
  const test = `"""The function's own tests, standard library only. With KFP_TEST_HOST set (and RETRAIN_CONFIG), the
duplicate-delivery test talks to that KFP server (e.g. the editor's emulator)."""
import json
import os
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from retrain import decide, load_config, start_retrain  # noqa: E402


def event(name, event_id="evt-1"):
    return {"id": event_id, "type": "google.cloud.storage.object.v1.finalized", "source": "//storage.googleapis.com/projects/_/buckets/b",
            "data": {"bucket": "b", "name": name, "generation": "1"}}


class Decide(unittest.TestCase):
    cfg = dict(load_config({}), prefix="incoming/", suffix=".csv")

    def test_new_object_under_prefix(self):
        d = decide(event("incoming/day-1.csv"), self.cfg)
        self.assertEqual(d["gcsPath"], "gs://b/incoming/day-1.csv")
        self.assertTrue(d["runName"].endswith("day-1.csv [evt-1]"))

    def test_skips(self):
        self.assertIn("skip", decide(event("other/day-1.csv"), self.cfg))
        self.assertIn("skip", decide(event("incoming/day-1.json"), self.cfg))
        self.assertIn("skip", decide(event("incoming/"), self.cfg))
        self.assertIn("skip", decide(dict(event("incoming/x.csv"), type="google.cloud.storage.object.v1.deleted"), self.cfg))


@unittest.skipUnless(os.environ.get("KFP_TEST_HOST") or os.environ.get("VERTEX_TEST_ROOT"), "set KFP_TEST_HOST (KFP) or VERTEX_TEST_ROOT (Vertex AI), and RETRAIN_CONFIG, to run against a server")
class AgainstKfp(unittest.TestCase):
    def test_duplicate_delivery_starts_one_run(self):
        cfg = load_config()
        name = "%stest-%d%s" % (cfg.get("prefix") or "", int(time.time() * 1000), cfg.get("suffix") or "")
        first = start_retrain(event(name, "dup-" + name), cfg, log=lambda _m: None)
        second = start_retrain(event(name, "dup-" + name), cfg, log=lambda _m: None)
        self.assertIn("runId", first)
        self.assertEqual(second.get("duplicate"), True)
        self.assertEqual(second["runId"], first["runId"])
        if cfg.get("backend") == "vertex":
            flt = urllib.parse.quote('display_name:"*%s*"' % name, safe="")
            with urllib.request.urlopen("%s/v1/projects/%s/locations/%s/pipelineJobs?filter=%s" % (os.environ["VERTEX_TEST_ROOT"], cfg["project"], cfg["region"], flt)) as r:
                self.assertEqual(len(json.load(r).get("pipelineJobs") or []), 1)
        else:
            flt = urllib.parse.quote(json.dumps({"predicates": [{"key": "display_name", "operation": "IS_SUBSTRING", "string_value": name}]}), safe="")
            with urllib.request.urlopen(os.environ["KFP_TEST_HOST"] + "/apis/v2beta1/runs?filter=" + flt) as r:
                self.assertEqual(len(json.load(r).get("runs") or []), 1)


if __name__ == "__main__":
    unittest.main()
`;
  return { 'main.py': main, 'retrain.py': retrain, 'requirements.txt': 'functions-framework==3.*\n', 'test/test_retrain.py': test, '.gcloudignore': '# What gcloud and the editor leave out of the upload.\n.gcloudignore\n.git\n.gitignore\n__pycache__/\n.venv/\ntest/\n' };
}

/** The files of the function folder (relative paths → text), with its configuration. */
export function retrainFiles(language: RetrainLanguage, cfg: RetrainConfig): Record<string, string> {
  const files = language === 'node' ? nodeFiles() : pythonFiles();
  files['retrain.config.json'] = JSON.stringify(cfg, null, 2) + '\n';
  return files;
}

/** Checks the settings before writing anything. */
export function checkRetrainConfig(c: RetrainConfig): string[] {
  const out: string[] = [];
  if (c.backend === 'vertex') {
    if (!c.project) out.push('project is required');
    if (!c.region) out.push('region is required');
    if (!c.templateUri || !/^https?:\/\/\S+\/[^/]+\/[^/]+$/.test(c.templateUri)) out.push('templateUri must name a template version or tag (https://REGION-kfp.pkg.dev/PROJECT/REPO/PACKAGE/TAG)');
    if (!c.pipelineRoot || !/^gs:\/\/[^/]+/.test(c.pipelineRoot)) out.push('pipelineRoot must be a gs:// URI (the runs\' output folder)');
    if (!c.parameterName || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(c.parameterName)) out.push('parameterName must name a pipeline parameter');
    return out;
  }
  try { const u = new URL(c.kfpHost ?? ''); if (!/^https?:$/.test(u.protocol)) out.push('kfpHost must be an http(s) URL'); } catch { out.push(`kfpHost "${c.kfpHost}" is not a URL`); }
  if (!c.pipelineId) out.push('pipelineId is required');
  if (!c.parameterName || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(c.parameterName)) out.push('parameterName must name a pipeline parameter');
  if (c.auth === 'iap' && !c.iapClientId) out.push('auth "iap" needs iapClientId (the OAuth client ID of the IAP in front of KFP)');
  return out;
}
