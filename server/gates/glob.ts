/**
 * Name globs for rules: `*` matches any run of characters (slashes and dots included, since layer
 * names are paths like "/encoder/layer.0/attn/MatMul"), `?` matches one; everything else is
 * literal. Matching is over the whole name.
 */
export function globMatcher(glob: string): (name: string) => boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*+/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}

export function isGlob(s: string): boolean {
  return /[*?]/.test(s);
}
