import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { until } from './wait';

/** Playwright's own waits (clicks, visibility) give up after this; flows pass longer ones where work runs. */
const ACTION_TIMEOUT_MS = 30_000;

/** Records every notification text the page shows, however briefly, for `sawNotification`. */
const NOTIFICATION_RECORDER = `(() => {
  const seen = (window.__e2eNotifications = []);
  const note = (el) => {
    const item = el && el.closest && el.closest('.notification-list-item');
    const text = item && item.textContent;
    if (text && !seen.includes(text)) seen.push(text);
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      note(m.target.nodeType === 1 ? m.target : m.target.parentElement);
      for (const n of m.addedNodes) if (n.nodeType === 1) n.querySelectorAll('.notification-list-item').forEach(note);
    }
  }).observe(document, { subtree: true, childList: true, characterData: true });
})();`;

/**
 * The code-server workbench as a user sees it: explorer, context menus, command palette, quick
 * picks, notifications, editors and webviews. Every method waits for a condition with a deadline,
 * never for a fixed time.
 */
export class Workbench {
  private shots = 0;

  private constructor(readonly page: Page, private readonly artifacts: string, private readonly log: (line: string) => void) {}

  /** Opens `folder` in the workbench at `url` and waits until its explorer lists files. */
  static async open(browser: Browser, url: string, folder: string, artifacts: string, log: (line: string) => void): Promise<Workbench> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    await page.addInitScript(NOTIFICATION_RECORDER);
    await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const wb = new Workbench(page, artifacts, log);
    await wb.explorerRows().first().waitFor({ timeout: 60_000 });
    return wb;
  }

  // --- explorer -------------------------------------------------------------------------------

  explorerRows(): Locator {
    return this.page.locator('.explorer-folders-view .monaco-list-row');
  }

  fileRow(name: string): Locator {
    return this.explorerRows().filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
  }

  /**
   * Right-clicks a file in the explorer and picks `item` from its context menu. Until the
   * extension host has scanned the extension, the menu lacks its items: the menu is closed and
   * opened again until `item` is there.
   */
  async rightClickFile(name: string, item: string, timeoutMs = 60_000): Promise<void> {
    const row = this.fileRow(name);
    const menuItem = this.page.locator('.monaco-menu .action-item').filter({ hasText: new RegExp(`^\\s*${escapeRegExp(item)}\\s*$`) });
    await until(`"${item}" in the context menu of ${name}`, timeoutMs, async () => {
      await row.click({ button: 'right' });
      await this.page.locator('.monaco-menu .action-item').first().waitFor();
      if (await menuItem.count()) return true;
      await this.page.keyboard.press('Escape');
      await this.page.locator('.monaco-menu').waitFor({ state: 'hidden' });
      return false;
    });
    // A context menu may ignore a click that comes right after it opened: click until it closes,
    // one click per look, so a slow close is not taken for an ignored click.
    const menu = this.page.locator('.monaco-menu').filter({ visible: true });
    await until(`the context menu to take "${item}"`, 10_000, async () => {
      if (!(await menu.count())) return true;
      await menuItem.first().click({ timeout: 1_000 });
      return menu.first().waitFor({ state: 'hidden', timeout: 1_000 }).then(() => true, () => false);
    });
  }

  async doubleClickFile(name: string): Promise<void> {
    await this.fileRow(name).dblclick();
  }

  // --- palette and quick input ----------------------------------------------------------------

  quickInput(): Locator {
    return this.page.locator('.quick-input-widget input');
  }

  /**
   * Runs a command from the palette (F1) by its full title, e.g. "ONNX Sparsity: Analyze Model...".
   * Commands an extension contributes are listed once the extension host has scanned it: the
   * palette is filtered again until the command is there.
   */
  async palette(command: string, timeoutMs = 60_000): Promise<void> {
    await (await this.paletteRow(command, timeoutMs)).click();
  }

  /**
   * Waits until the palette lists `command`, then closes it: the extension host has scanned the
   * extension, so its custom editor, menus and commands are known to the workbench. Before that,
   * a double-clicked .onnx opens in the text editor (as binary), as it would for a person.
   */
  async waitForCommand(command: string, timeoutMs = 60_000): Promise<void> {
    await this.paletteRow(command, timeoutMs);
    await this.page.keyboard.press('Escape');
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /** The palette lists commands as they were when it opened: it is opened afresh until `command` is there. */
  private async paletteRow(command: string, timeoutMs: number): Promise<Locator> {
    const row = this.quickRow(command).first();
    await until(`"${command}" in the command palette`, timeoutMs, async () => {
      if (await this.quickInput().isVisible()) {
        await this.page.keyboard.press('Escape');
        await this.quickInput().waitFor({ state: 'hidden' });
      }
      await this.page.locator('.monaco-workbench').focus();
      await this.page.keyboard.press('F1');
      await this.quickInput().waitFor();
      await this.quickInput().fill(`>${command}`);
      await row.waitFor({ timeout: 2_000 });
      return true;
    });
    return row;
  }

  /** A row of the open quick pick whose label is `label` (the palette's rows also show a keybinding). */
  quickRow(label: string): Locator {
    return this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({
      has: this.page.locator('.label-name, .monaco-highlighted-label', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }),
    });
  }

  /** Picks `label` in the quick pick that is open (or about to open). */
  async quickPick(label: string): Promise<void> {
    await this.quickRow(label).first().click();
  }

  /**
   * The input of code-server's open dialog, a quick input labelled "Folder path". What the command
   * asks next (a quick pick) may take the same widget as soon as the dialog closes.
   */
  fileDialog(): Locator {
    return this.page.locator('.quick-input-widget input[aria-label^="Folder path"]');
  }

  /**
   * Answers code-server's open dialog (a quick input that takes a path) with `file`: types the path
   * and presses Enter once the dialog lists the file. The dialog writes its folder into the input
   * when it has listed it, over anything typed before: the path is typed again until it holds.
   * With `screenshot`, the dialog is photographed with the path in it, before Enter.
   */
  async answerFilePicker(file: string, screenshot?: string): Promise<void> {
    const input = this.fileDialog();
    await input.waitFor();
    const closed = async (): Promise<boolean> => !(await input.isVisible());
    const row = this.quickRow(path.basename(file));
    await until(`the open dialog to accept ${file}`, 20_000, async () => {
      if (await closed()) return true;
      if ((await input.inputValue()) !== file) {
        await input.fill(file);
        return false;
      }
      if (!(await row.count())) return false;
      if (screenshot) await this.screenshot(screenshot);
      screenshot = undefined;
      await this.page.keyboard.press('Enter');
      // One Enter per look: a second one could answer the next question.
      return until('the open dialog to take the Enter', 5_000, closed).then(() => true, () => false);
    });
  }

  // --- notifications --------------------------------------------------------------------------

  /** A notification toast on screen whose text matches. */
  notification(text: string | RegExp): Locator {
    return this.page.locator('.notification-toast .notification-list-item').filter({ hasText: text });
  }

  /** Whether a notification matching `text` has been shown since the page opened, even briefly. */
  async sawNotification(text: string | RegExp): Promise<boolean> {
    const seen = await this.page.evaluate(() => (globalThis as unknown as { __e2eNotifications: string[] }).__e2eNotifications);
    return seen.some((t) => (typeof text === 'string' ? t.includes(text) : text.test(t)));
  }

  async waitSawNotification(text: string | RegExp, timeoutMs = ACTION_TIMEOUT_MS): Promise<void> {
    await until(`a notification ${String(text)}`, timeoutMs, () => this.sawNotification(text));
  }

  /** Every toast dismissed, so the next flow's notifications stand alone. */
  async clearNotifications(): Promise<void> {
    await this.palette('Notifications: Clear All Notifications');
    await this.page.locator('.notification-toast').first().waitFor({ state: 'hidden' });
  }

  // --- editors and webviews -------------------------------------------------------------------

  /** Closes every editor; an untitled document (a benchmark's table) is closed without saving. */
  async closeAllEditors(): Promise<void> {
    const tabs = this.page.locator('.tabs-container .tab');
    if (!(await tabs.count())) return;
    await this.palette('View: Close All Editors');
    const dontSave = this.page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Don't Save$/ });
    await until('every editor to close', ACTION_TIMEOUT_MS, async () => {
      if (await dontSave.isVisible()) await dontSave.click();
      return (await tabs.count()) === 0;
    });
  }

  /** Back to a plain workbench between flows: no menu, quick input, editor or notification left over. */
  async reset(): Promise<void> {
    for (const open of ['.monaco-menu', '.quick-input-widget']) {
      if (await this.page.locator(open).filter({ visible: true }).count()) {
        await this.page.keyboard.press('Escape');
        await this.page.locator(open).filter({ visible: true }).first().waitFor({ state: 'hidden' });
      }
    }
    await this.closeAllEditors();
    if (await this.page.locator('.notification-toast').count()) await this.clearNotifications();
  }

  /** An action button in the active editor's title bar, by its label (e.g. "Re-analyze"). */
  editorAction(label: string): Locator {
    return this.page.locator(`.editor-group-container.active .editor-actions .action-label[aria-label^="${label}"]`);
  }

  /** The language the status bar names for the active editor, e.g. "Markdown". */
  async statusBarLanguage(): Promise<string> {
    return (await this.page.locator('[id="status.editor.mode"]').innerText()).trim();
  }

  /** The tab of the active editor. */
  activeTab(): Locator {
    return this.page.locator('.editor-group-container.active .tabs-container .tab.active');
  }

  /** The active tab's title as one string (the tab draws name and extension apart: "demo" ".onnx"). */
  async activeTabTitle(): Promise<string> {
    return ((await this.activeTab().textContent({ timeout: 1_000 })) ?? '').replace(/\s+/g, '');
  }

  /** The webview on screen (a hidden one keeps its iframe): its content is in `#active-frame`. */
  webviewFrame(): FrameLocator {
    return this.page.locator('iframe.webview.ready').filter({ visible: true }).contentFrame().locator('#active-frame').contentFrame();
  }

  /** The visible text of the active text editor (the profile turns word wrap off, so lines are the document's). */
  async editorText(): Promise<string> {
    const lines = this.page.locator('.editor-group-container.active .monaco-editor .view-lines');
    await lines.first().waitFor();
    // Monaco draws spaces as no-break spaces.
    return (await lines.first().innerText()).replace(/\u00a0/g, ' ');
  }

  // --- settings and artifacts -----------------------------------------------------------------

  /** Switches the color theme from the palette, as a user would. */
  async colorTheme(theme: string): Promise<void> {
    await this.palette('Preferences: Color Theme');
    await this.quickInput().fill(theme);
    await this.quickRow(theme).first().waitFor();
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
  }

  /** A PNG of the whole page in the artifacts folder, numbered in the order taken. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.shots).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    this.log(`screenshot ${file}`);
    return file;
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
