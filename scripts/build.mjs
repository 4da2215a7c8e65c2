// Bundles the extension (Node, `vscode` external) with esbuild. Webview bundles
// (browser) are added here as their panels arrive.
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const extension = {
  entryPoints: ['src/extension.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/extension.js',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  metafile: true,
};

if (watch) {
  const ctx = await esbuild.context(extension);
  await ctx.watch();
  console.log('watching…');
} else {
  const result = await esbuild.build(extension);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`built dist/extension.js (${(bytes / 1024).toFixed(0)} KiB${production ? ', production' : ''})`);
}
