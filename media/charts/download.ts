/**
 * Saves a Blob made in the page (a chart as SVG or PNG) through a temporary <a download>.
 * No host round trip: it works in the standalone HTML file, and in VS Code webviews that allow
 * downloads. The link's href is set as a property here, on purpose and only here: it is the
 * blob: URL just created from our own bytes, never a string from the model.
 */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.download = fileName;
  a.href = url;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser reads the blob when the download starts; a minute later nothing needs the URL.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file-name stem from a model name: letters, digits, dot, dash and underscore only. */
export function fileStem(name: string): string {
  const stem = name.replace(/\.onnx$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  return stem || 'report';
}
