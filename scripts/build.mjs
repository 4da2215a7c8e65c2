// Bundles the extension (Node, `vscode` external) with esbuild. Webview bundles
// (browser) are added here as their panels arrive.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const extension = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode', '@kubernetes/client-node', 'google-auth-library', 'yaml', 'protobufjs/light'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  metafile: true,
  define: { KFP_BUNDLED: 'true' },
};

// Heavy libraries, bundled apart and loaded on first use (src/core/util/lazy.ts).
const vendors = ['kubernetes', 'google', 'yaml', 'protobuf'].map((name) => ({
  ...extension,
  entryPoints: [`src/vendor/${name}.ts`],
  outfile: `dist/vendor-${name}.js`,
  external: ['vscode'],
  sourcemap: false,
}));

// Webview scripts run in the browser sandbox of the panel.
const webviews = ['runView'].map((name) => ({
  entryPoints: [`src/webview/${name}/main.ts`],
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  outfile: `dist/webview/${name}.js`,
  sourcemap: production ? false : 'inline',
  minify: production,
  logLevel: 'warning',
  metafile: true,
}));

// The webview's icons: VS Code's own codicons (font and stylesheet), served from the extension.
mkdirSync('dist/webview', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/${f}`);

if (watch) {
  for (const opts of [extension, ...vendors, ...webviews]) await (await esbuild.context(opts)).watch();
  console.log('watching…');
} else {
  for (const opts of [extension, ...vendors, ...webviews]) {
    const result = await esbuild.build(opts);
    const bytes = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js')).reduce((n, [, o]) => n + o.bytes, 0);
    console.log(`built ${opts.outfile} (${(bytes / 1024).toFixed(0)} KiB${production ? ', production' : ''})`);
  }
}
