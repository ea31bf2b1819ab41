import { el, note } from './dom';

/**
 * Builds a part of the report the first time it comes near the viewport (or its <details> is
 * opened): the report data arrives once, and a chart nobody scrolls to costs nothing. A part
 * that throws shows its error in place instead of blanking the rest of the report.
 */
export function lazy(make: () => Node, minHeight = 200): HTMLElement {
  const holder = el('div', { cls: 'lazy', attrs: { 'data-rendered': 'false' } });
  holder.style.minHeight = `${minHeight}px`;
  const build = (): void => {
    try {
      holder.replaceChildren(make());
    } catch (e) {
      holder.replaceChildren(note(`Could not draw this part: ${e instanceof Error ? e.message : String(e)}`));
    }
    holder.style.minHeight = '';
    holder.setAttribute('data-rendered', 'true');
  };
  if (typeof IntersectionObserver === 'undefined') {
    queueMicrotask(build);
    return holder;
  }
  const io = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    io.disconnect();
    // Observer callbacks run inside the frame about to be painted; a task of its own lets that
    // frame (the summary and the table) reach the screen before any chart is built.
    setTimeout(build, 0);
  }, { rootMargin: '200px 0px' });
  io.observe(holder);
  return holder;
}
