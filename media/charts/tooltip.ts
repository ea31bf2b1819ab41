/**
 * The hover box every chart shares: exact figures as plain text (textContent, with line breaks
 * kept by CSS), placed next to the pointer. Native SVG <title>s would duplicate it and cannot
 * be styled for the theme.
 */
let box: HTMLDivElement | null = null;

function ensure(): HTMLDivElement {
  if (box?.isConnected) return box;
  box = document.createElement('div');
  box.className = 'tooltip';
  box.setAttribute('role', 'tooltip');
  box.hidden = true;
  document.body.append(box);
  return box;
}

export function showTip(text: string, clientX: number, clientY: number): void {
  const b = ensure();
  b.textContent = text;
  b.hidden = false;
  // Positions are set through the CSSOM, which the CSP allows (style attributes it would block).
  const w = b.offsetWidth;
  const h = b.offsetHeight;
  const x = clientX + 14 + w > window.innerWidth ? Math.max(4, clientX - 14 - w) : clientX + 14;
  const y = clientY + 14 + h > window.innerHeight ? Math.max(4, clientY - 14 - h) : clientY + 14;
  b.style.left = `${x}px`;
  b.style.top = `${y}px`;
}

export function hideTip(): void {
  if (box) box.hidden = true;
}
