import { escapeHtml } from '../common/report/html';

/** What the report webview's page needs from the host (URIs already converted by asWebviewUri). */
export interface WebviewPage {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

/**
 * The webview's page: nothing but the app's script (by nonce) and stylesheet (from the extension's
 * dist/media, the only local resource root). No data is pasted into the page; the report arrives
 * by postMessage after the app says `ready`.
 */
export function webviewHtml(p: WebviewPage): string {
  const csp = `default-src 'none'; script-src 'nonce-${p.nonce}'; style-src ${p.cspSource}; img-src ${p.cspSource} data:`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeHtml(p.styleUri)}">
<title>${escapeHtml(p.title)}</title>
</head>
<body>
<script nonce="${p.nonce}" src="${escapeHtml(p.scriptUri)}"></script>
</body>
</html>
`;
}
