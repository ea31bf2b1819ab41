import type { Shown } from '../protocol';

export type { Shown } from '../protocol';

/**
 * A report as one standalone HTML file: the webview app (dist/media/report.js and report.css)
 * inlined, the report as a JSON data element, and a small stand-in for VS Code's webview API
 * that answers the app's `ready` with the report, so the same app renders it in any browser.
 * Everything the report holds (layer names, paths, producer strings) is model data: untrusted.
 */
export interface StandaloneHtml {
  shown: Shown;
  /** dist/media/report.js. */
  script: string;
  /** dist/media/report.css, when the build made one. */
  style: string | undefined;
  title: string;
  nonce: string;
}

const DATA_ID = 'onnx-sparsity-report';

/**
 * Plays the host: `ready` gets the report, requests (export, reanalyze) get a polite refusal,
 * since a file opened in a browser has no VS Code to ask. Plain ES2020 so any browser runs it.
 */
const HOST_STAND_IN = `(() => {
  const shown = JSON.parse(document.getElementById(${JSON.stringify(DATA_ID)}).textContent);
  let state;
  window.acquireVsCodeApi = () => ({
    postMessage(m) {
      // Dispatched, not posted: postMessage would structured-clone a large report (~0.4 s at 10,000 layers).
      if (m && m.type === 'ready') window.dispatchEvent(new MessageEvent('message', { data: shown }));
      else if (m && typeof m.id === 'number')
        window.postMessage({ type: 'reply', id: m.id, ok: false, message: 'This is an exported report: open the model in VS Code to do that.' }, '*');
    },
    getState: () => state,
    setState: (s) => (state = s),
  });
})();`;

export function standaloneHtml(p: StandaloneHtml): string {
  const csp = `default-src 'none'; script-src 'nonce-${p.nonce}'; style-src 'nonce-${p.nonce}'; img-src data:`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(p.title)}</title>`,
    p.style === undefined ? '' : `<style nonce="${p.nonce}">${inlineStyle(p.style)}</style>`,
    '</head>',
    '<body>',
    `<script type="application/json" id="${DATA_ID}">${jsonForHtml(p.shown)}</script>`,
    `<script nonce="${p.nonce}">${HOST_STAND_IN}</script>`,
    `<script nonce="${p.nonce}">${inlineScript(p.script)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * JSON safe inside a <script> element: every '<' becomes \u003c, which JSON.parse reads back as
 * '<', so no '</script' (any case) and no '<!--' can end or confuse the element.
 */
export function jsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * JavaScript safe inside a <script> element. Where a bundle can hold '</script' or '<!--'
 * (strings, templates, regexes, comments), '<\/script' and '<\x21--' mean the same (both escapes
 * are valid even in /u regexes), but the HTML parser no longer sees an end tag or a comment opener.
 */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\x21--');
}

/** CSS safe inside a <style> element: '\/' is an escaped '/' in CSS, so '</style' cannot end it. */
export function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
