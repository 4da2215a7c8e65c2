// `npm run demo`: the KFP emulator, and a real VS Code in the browser (the VS
// Code server of the code-server npm package) with the extension loaded, a
// sample ML project open and an endpoint already pointing at the emulator.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KfpEmulator } from '../test/emulator/server';
import { ROOT, startServer, workbenchUrl } from '../test/integration/harness';
import { chooseEngine } from '../src/core/containers/engine';
import { GcpEmulator } from '../test/emulator/gcp';
import { VertexEmulator } from '../test/emulator/vertex';
import * as YAML from 'yaml';
import { RealEngines, startRealEngines } from '../test/containers/realEngines';
import { initGitRepository, writeV1Pipeline, writeValidateStep } from './demoWorkspace';

/** Whether a docker client on PATH reaches a running engine. */
function dockerAnswers(): boolean {
  const e = chooseEngine('docker');
  if ('missing' in e) return false;
  try { execFileSync(e.path, ['version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 5000 }); return true; } catch { return false; }
}

async function main(): Promise<void> {
  const emulator = new KfpEmulator({ port: Number(process.env.KFP_EMULATOR_PORT ?? 0), extraRuns: 200, runDurationMs: 30_000 });
  const emulatorUrl = await emulator.start();
  // Container engines: the machine's docker when it runs; else, as root, a private Docker engine as the tests
  // start one. Either way a registry on loopback for Push (port 5000 or KFP_DEMO_REGISTRY_PORT: the sample's
  // image names keep it across demo runs), and buildah's private storage when it is installed.
  let engines: RealEngines | undefined;
  const haveDocker = dockerAnswers();
  try { engines = await startRealEngines({ docker: !haveDocker, registryPort: Number(process.env.KFP_DEMO_REGISTRY_PORT ?? 5000) }); } catch (e) { console.log(`Container engines: ${(e as Error).message}`); }
  const registry = engines?.registry;
  // Emulated Cloud Build and Cloud Storage (a demo aid, like the KFP emulator).
  const gcp = new GcpEmulator({ stepMs: 1500 });
  const gcpUrl = await gcp.start();
  // The bucket whose new files start retraining (Retrain on New Data).
  gcp.addBucket('churn-data', 'demo-project');
  // Emulated Vertex AI Pipelines (with Cloud Logging and a KFP template repository), next to the KFP emulator:
  // a few runs of the sample pipeline (one that fails) and a template version, so the second backend has something to show.
  const vertex = new VertexEmulator({ stepMs: 8000 });
  const vertexUrl = await vertex.start(Number(process.env.KFP_DEMO_VERTEX_PORT ?? 0));
  await vertex.seed(YAML.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/pipelines/hello_pipeline.yaml'), 'utf8')) as Record<string, unknown>);
  const workspace = path.join(ROOT, '.vscode-test/demo-workspace');
  if (!fs.existsSync(workspace)) {
    fs.cpSync(path.join(ROOT, 'test/fixtures/workspace'), workspace, { recursive: true });
    if (engines?.busybox) writeValidateStep(workspace, engines.busybox, `${registry ?? 'localhost:5000'}/churn/validate:latest`);
    writeV1Pipeline(workspace, ROOT);
    initGitRepository(workspace);
  }
  // The demo compiles with the real KFP SDK when python3 has one; otherwise with the
  // stand-in SDK written for the tests (no Python package index is reachable here).
  let pythonPath: string | undefined;
  try { execFileSync('python3', ['-c', 'import kfp'], { stdio: 'ignore' }); } catch { pythonPath = path.join(ROOT, 'test/fixtures/python/kfp-v2-standin'); }
  const server = await startServer({
    env: { ...(pythonPath ? { PYTHONPATH: pythonPath } : {}), ...(engines?.env ?? {}) },
    port: Number(process.env.KFP_DEMO_PORT ?? 8080),
    host: process.env.KFP_DEMO_HOST ?? '127.0.0.1',
    settings: {
      'security.workspace.trust.enabled': false,
      'kfp.endpoints': [
        { name: 'emulator', url: emulatorUrl },
        { name: 'vertex', kind: 'vertex', project: vertex.project, region: vertex.region, apiRoot: vertexUrl, pipelineRoot: 'gs://churn-data/pipeline-root', templateRepository: vertex.templateRepoUrl('pipelines') },
      ],
      'kfp.activeEndpoint': 'emulator',
      ...(registry ? { 'kfp.components.registry': `${registry}/churn` } : {}),
      'kfp.cloudBuild.project': 'demo-project',
      'kfp.cloudBuild.apiRoot': gcpUrl,
      'kfp.functions.region': 'europe-west1',
    },
  });
  console.log(`KFP emulator (a demo aid, not a KFP server): ${emulatorUrl}`);
  console.log(`Sample workspace: ${workspace}`);
  if (pythonPath) console.log(`No KFP SDK for python3: compiling uses the test stand-in SDK (${pythonPath}), not the real one.`);
  // Build · Try · Push need a container engine; say what this machine has (as kfp.components.engine "auto" picks it).
  let engine = chooseEngine('auto');
  if (!('missing' in engine) && engine.kind === 'docker' && !haveDocker && !engines?.dockerHost) {
    const other = [chooseEngine('podman'), chooseEngine('buildah')].find((e) => !('missing' in e));
    engine = other ?? { missing: `${engine.path} is installed but no Docker engine answers (start dockerd, or set DOCKER_HOST), and there is no podman or buildah.` };
  }
  console.log('missing' in engine ? `Components: ${engine.missing} Build, Try and Push will say so.`
    : `Components: Build and Push use ${engine.kind} (${engine.path}${engines?.dockerHost && engine.kind === 'docker' ? `, a private engine at ${engines.dockerHost}` : ''})${engine.kind === 'buildah' ? '; Try needs docker or podman' : ''}.`);
  console.log(engines?.busybox ? 'components/validate builds offline (FROM scratch with busybox); preprocess and train start FROM python:3.11-slim, which the engine must be able to pull.'
    : `No static busybox here, so the demo has no offline step (${engines?.why.join('; ') ?? 'engines not started'}).`);
  console.log(registry ? `Push goes to the registry on loopback: ${registry} (kfp.components.registry ${registry}/churn).` : `No registry on loopback (${engines?.why.join('; ') ?? ''}): Push needs one.`);
  console.log(`Cloud Build, Cloud Functions and Storage (emulated, project demo-project): ${gcpUrl}`);
  if (fs.existsSync(path.join(workspace, 'pipelines/legacy_scoring.v1.yaml'))) console.log('KFP v1: pipelines/legacy_scoring.v1.yaml is legacy_v1.py compiled as v1 (by the v1 stand-in SDK of the tests): Run it from the Explorer menu to see a v1 run on the KFP 2 emulator; the "Convert to KFP v2…" lens on legacy_v1.py rewrites the file for v2.');
  console.log(`Vertex AI Pipelines, Cloud Logging and a KFP template repository (emulated, project ${vertex.project}, ${vertex.region}): ${vertexUrl}; switch to the endpoint "vertex" in the status bar.`);
  console.log(`New data for a deployed retrain function: curl --data-binary @FILE "${gcpUrl}/upload/storage/v1/b/churn-data/o?uploadType=media&name=incoming/day-1.csv"`);
  console.log(`\nOpen VS Code in your browser:\n\n  ${workbenchUrl(server, workspace)}\n`);
  console.log('Then click the Kubeflow Pipelines icon in the activity bar. Ctrl-C stops the demo.');
  const stop = async () => { await server.stop(); await emulator.stop(); await gcp.stop(); await engines?.stop(); process.exit(0); };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main().catch((e) => { console.error(e); process.exit(1); });
