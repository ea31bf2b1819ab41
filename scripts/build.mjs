// Bundles the CLI, the language server, the VS Code client and the webview app into dist/.
// onnxruntime-node stays external: it is a native addon resolved from node_modules at run time.
import { copyFile } from 'node:fs/promises';
import { build } from 'esbuild';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'es2022', minify: false };
const node = { ...common, platform: 'node', format: 'cjs', external: ['onnxruntime-node', 'vscode'] };

await Promise.all([
  build({ ...node, entryPoints: ['server/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  build({ ...node, entryPoints: ['server/server.ts'], outfile: 'dist/server.js' }),
  // Every onnxruntime call runs in a child process of its own (server/child/run-in-child.ts).
  build({ ...node, entryPoints: ['server/pipeline/ort-child.ts'], outfile: 'dist/ort-child.js' }),
  // The second thread of a split weight pass and of a split magnitude pass (server/analysis/weights/split-pass.ts).
  build({ ...node, entryPoints: ['server/analysis/weights/pass-worker.ts'], outfile: 'dist/pass-worker.js' }),
  build({ ...node, entryPoints: ['server/advise/kept-worker.ts'], outfile: 'dist/kept-worker.js' }),
  build({ ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  // The webview app is inlined into every exported HTML report: whitespace and syntax minified,
  // identifiers kept so an error the report shows still names the function.
  build({ ...common, platform: 'browser', format: 'iife', entryPoints: ['media/report.ts'], outfile: 'dist/media/report.js', minifyWhitespace: true, minifySyntax: true }),
]);
// The webview's CSP admits stylesheets from its resource root only, so the CSS ships as a file.
await copyFile('media/report.css', 'dist/media/report.css');
if (watch) console.log('watch mode is not supported; rerun npm run build');
