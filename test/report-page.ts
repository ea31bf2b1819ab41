import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { standaloneHtml, type Shown } from '../common/report/html';

/** Where screenshots, the rendered HTML files and downloaded charts go; kept after the run. */
export const ARTIFACTS = process.env.ONNX_SPARSITY_ARTIFACTS ?? path.join(os.tmpdir(), 'onnx-sparsity-artifacts');
const ROOT = path.join(__dirname, '..', '..');
const MEDIA = path.join(ROOT, 'dist', 'media');

export interface Opened {
  page: Page;
  context: BrowserContext;
  /** Page errors, console errors and warnings (CSP violations are logged as errors too). */
  errors: string[];
  /** Every URL the page asked for that is not file:, data: or blob:; those requests were aborted. */
  outside: string[];
  /** Milliseconds from navigation to the first paint of the report's title (Element Timing). */
  firstPaint(): Promise<{ paint: number; drawn: number }>;
}

/**
 * Real Chromium (Debian's, through playwright-core) rendering the standalone HTML report that
 * `--format html` writes, from the built dist/media app. The npm test script builds first; a run
 * of this file alone builds when dist is missing.
 */
export class ReportBrowser {
  private browser: Browser | undefined;
  private script = '';
  private style: string | undefined;

  async start(): Promise<void> {
    if (!existsSync(path.join(MEDIA, 'report.js'))) {
      const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
      if (r.status !== 0) throw new Error('npm run build failed');
    }
    this.script = readFileSync(path.join(MEDIA, 'report.js'), 'utf8');
    this.style = existsSync(path.join(MEDIA, 'report.css')) ? readFileSync(path.join(MEDIA, 'report.css'), 'utf8') : undefined;
    mkdirSync(ARTIFACTS, { recursive: true });
    this.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
  }

  /** Writes the report as `name`.html under ARTIFACTS and opens it in a fresh context. */
  async open(shown: Shown, name: string, colorScheme: 'light' | 'dark' = 'light'): Promise<Opened> {
    const file = path.join(ARTIFACTS, `${name}.html`);
    writeFileSync(file, standaloneHtml({ shown, script: this.script, style: this.style, title: `Sparsity: ${name}`, nonce: 'T3stN0nce' }));
    const context = await this.browser!.newContext({ viewport: { width: 1280, height: 900 }, colorScheme, acceptDownloads: true });
    const errors: string[] = [];
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (/^(file|data|blob):/.test(url)) return route.continue();
      outside.push(url);
      return route.abort();
    });
    context.on('request', (req) => {
      if (!/^(file|data|blob):/.test(req.url()) && !outside.includes(req.url())) outside.push(req.url());
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`);
    });
    // Browser-side code as strings: this project's test tsconfig has no DOM types.
    await page.addInitScript({ content: INIT });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('.report, .compare');
    const firstPaint = async (): Promise<{ paint: number; drawn: number }> => {
      // A function, not a string: Playwright polls string predicates with eval, which the report's CSP refuses.
      await page.waitForFunction(() => (globalThis as { __paint?: number }).__paint !== undefined);
      return page.evaluate<{ paint: number; drawn: number }>(`({ paint: window.__paint, drawn: performance.getEntriesByName('onnx-sparsity:drawn')[0]?.startTime ?? NaN })`);
    };
    return { page, context, errors, outside, firstPaint };
  }
}

/**
 * Runs before the page's own scripts: CSP violations become console errors (which fail tests),
 * and the report title's first paint is recorded from Element Timing (summary.ts marks the h1).
 */
const INIT = `
document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.identifier === 'report-title' && window.__paint === undefined) window.__paint = e.renderTime || e.startTime;
}).observe({ type: 'element', buffered: true });
`;

/** What every page must hold to: nothing thrown, no CSP violation, no request off the machine. */
export function clean(o: Opened): void {
  assert.deepEqual(o.errors, [], 'page errors');
  assert.deepEqual(o.outside, [], 'requests that left the page');
}

export async function count(o: Opened, selector: string): Promise<number> {
  return (await o.page.$$(selector)).length;
}

/** Scrolls every part that renders on demand into view and waits until each has drawn. */
export async function renderAll(page: Page): Promise<void> {
  for (let k = 0; k < 30; k++) {
    const pending = await page.$('.lazy[data-rendered="false"]');
    if (!pending) break;
    await pending.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => el.getAttribute('data-rendered') === 'true', pending);
  }
  await page.evaluate('window.scrollTo(0, 0)');
}

/** The layer names of the table's rows now in the DOM, in their shown order. */
export function tableNames(page: Page): Promise<string[]> {
  return page.$$eval('table.vt tbody tr[data-id]', (trs) => trs.map((tr) => tr.children[1].textContent ?? ''));
}

/**
 * Clicks `selector` once the page has stopped moving around it: scrolling a header into view
 * brings lazy parts above it within their 200 px margin, and each one drawn changes the height it
 * reserved, so a click sent at once can land between mousedown and mouseup on moved content (the
 * sort then never happens). A user clicks after seeing the table; this waits the same way.
 */
export async function clickSettled(page: Page, selector: string): Promise<void> {
  const target = page.locator(selector).first();
  for (let k = 0; k < 10; k++) {
    await target.scrollIntoViewIfNeeded();
    const before = await target.boundingBox();
    await page.waitForFunction(() => {
      const g = globalThis as unknown as { innerHeight: number; document: { querySelectorAll(s: string): ArrayLike<{ getBoundingClientRect(): { top: number; bottom: number } }> } };
      return Array.from(g.document.querySelectorAll('.lazy[data-rendered="false"]')).every((h) => {
        const r = h.getBoundingClientRect();
        return r.bottom < -200 || r.top > g.innerHeight + 200;
      });
    });
    // Two frames: the parts just built are laid out before the box is compared.
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    const after = await target.boundingBox();
    if (before && after && before.x === after.x && before.y === after.y) break;
  }
  await target.click();
}
