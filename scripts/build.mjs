// Bundles the CLI, the language server, the VS Code client and the webview app into dist/.
// onnxruntime-node stays external: it is a native addon resolved from node_modules at run time.
import { copyFile } from 'node:fs/promises';
import { build } from 'esbuild';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'es2022', minify: false };
const node = { ...common, platform: 'node', format: 'cjs', external: ['onnxruntime-node', 'vscode'] };

// What Node starts is a small loader (server/boot.ts) that compiles the bundle beside it with V8's
// code cache of an earlier run; the bundle itself is NAME-main.js.
const boot = (name, js = {}) =>
  build({ ...node, entryPoints: ['server/boot.ts'], outfile: `dist/${name}.js`, define: { BOOT_BUNDLE: JSON.stringify(`${name}-main.js`), BOOT_NAME: JSON.stringify(name) }, ...js });

await Promise.all([
  boot('cli', { banner: { js: '#!/usr/bin/env node' } }),
  build({ ...node, entryPoints: ['server/cli.ts'], outfile: 'dist/cli-main.js' }),
  boot('server'),
  build({ ...node, entryPoints: ['server/server.ts'], outfile: 'dist/server-main.js' }),
  // Every onnxruntime call runs in a child process of its own (server/child/run-in-child.ts).
  boot('ort-child'),
  build({ ...node, entryPoints: ['server/pipeline/ort-child.ts'], outfile: 'dist/ort-child-main.js' }),
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
