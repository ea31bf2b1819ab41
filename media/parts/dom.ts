/**
 * The only way this app builds DOM. Strings become Text nodes and attributes are set one by one,
 * so a layer name such as `<img onerror=...>` from a model file stays text: no innerHTML anywhere.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  cls?: string;
  /** Tooltip; plain text, shown by the browser. */
  title?: string;
  attrs?: Record<string, string>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props) {
    if (props.cls) node.className = props.cls;
    if (props.title) node.title = props.title;
    for (const [name, value] of Object.entries(props.attrs ?? {})) setAttr(node, name, value);
  }
  append(node, children);
  return node;
}

/** Appends children; false/null/undefined are skipped so callers can write `cond && node`. */
export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Event-handler attributes would run code; refuse them even from our own call sites. */
export function setAttr(node: Element, name: string, value: string): void {
  if (/^on/i.test(name) || /^(href|src|srcdoc|style)$/i.test(name)) throw new Error(`attribute ${name} is not allowed here`);
  node.setAttribute(name, value);
}

export function text(node: Node, value: string): void {
  node.textContent = value;
}

/** A titled section of the report. */
export function section(id: string, heading: string, ...children: Child[]): HTMLElement {
  return el('section', { cls: 'block', attrs: { id, 'aria-label': heading } }, el('h2', null, heading), ...children);
}

/** A short muted line explaining a figure. */
export function note(...children: Child[]): HTMLParagraphElement {
  return el('p', { cls: 'note' }, ...children);
}

export function button(label: string, onClick: () => void, props?: Props): HTMLButtonElement {
  const b = el('button', props ?? null, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}
