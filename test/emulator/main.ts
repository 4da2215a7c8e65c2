// `npm run emulator`: starts the KFP emulator on loopback (a test and demo aid).
import { KfpEmulator } from './server';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
if (opt('kfp-version') && !['2.3', '2.5', '2.17'].includes(opt('kfp-version')!)) { console.error('--kfp-version takes 2.3, 2.5 or 2.17'); process.exit(2); }
if (opt('pod-names') && !['v1', 'v2'].includes(opt('pod-names')!)) { console.error('--pod-names takes v1 or v2'); process.exit(2); }
const emulator = new KfpEmulator({
  port: Number(opt('port') ?? 8888),
  apiVersion: args.includes('--v1') ? 'v1beta1' : 'v2beta1',
  uiServer: args.includes('--ui-server'),
  multiUser: args.includes('--multi-user'),
  basePath: opt('base-path'),
  extraRuns: Number(opt('runs') ?? 0),
  runDurationMs: Number(opt('run-duration-ms') ?? 20000),
  stateFile: opt('state'),
  kfpVersion: (opt('kfp-version') ?? '2.17') as '2.3' | '2.5' | '2.17',
  podNames: (opt('pod-names') ?? 'v2') as 'v1' | 'v2',
  offloadNodeStatus: args.includes('--offload-node-status'),
  log: args.includes('--verbose') ? (l) => console.log(l) : undefined,
});
void emulator.start().then((url) => {
  console.log(`KFP emulator (a test and demo aid, not a KFP server) listening on ${url}`);
  console.log(`contract checks against ../shared/kfp-api: ${emulator.validating ? 'on' : 'off (../shared absent)'}`);
});
process.on('SIGINT', () => { void emulator.stop().then(() => process.exit(0)); });
process.on('SIGTERM', () => { void emulator.stop().then(() => process.exit(0)); });
