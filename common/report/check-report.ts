import type { CheckResult, RuleOutcome, RuleStatus } from '../protocol';
import { mdText } from './format';

/** `onnx-sparsity check` for people: a terminal summary, and a Markdown block for a pull-request comment. */

const WORD: Record<RuleStatus, string> = { pass: 'pass', fail: 'FAIL', error: 'ERROR', skip: 'skip' };
const MARK: Record<RuleStatus, string> = { pass: '\u2705', fail: '\u274c', error: '\u26a0\ufe0f', skip: '\u23ed\ufe0f' };

/** The result in a word and a count: "passed: 6 rules", "FAILED: 2 of 7 rules failed, 1 could not be checked". */
export function checkVerdict(c: CheckResult): string {
  const n = c.counts;
  const total = c.outcomes.length;
  const rules = `${total} rule${total === 1 ? '' : 's'}`;
  if (c.passed) return `passed: ${rules}${n.skip ? ` (${n.skip} skipped)` : ''}`;
  const parts = [n.fail ? `${n.fail} of ${rules} failed` : '', n.error ? `${n.error} could not be checked` : ''].filter(Boolean);
  return `FAILED: ${parts.join(', ')}`;
}

function against(c: CheckResult): string {
  const base = c.baseline ? `baseline ${c.baseline.path}${c.baseline.kind === 'report' ? ` (report of ${c.baseline.model})` : ''}` : 'no baseline';
  return `${base}; rules: ${c.rules ?? 'the defaults against the baseline'}`;
}

export function checkText(c: CheckResult): string {
  const lines = [`onnx-sparsity check: ${c.model.path}`, `  ${against(c)}`];
  for (const o of c.outcomes) {
    lines.push(`  ${WORD[o.status].padEnd(5)} ${o.rule} (${o.subject}): ${o.message}`);
    if (o.status !== 'pass') for (const d of o.details) lines.push(`          ${d}`);
  }
  for (const w of c.warnings) lines.push(`  warning: ${w}`);
  lines.push(checkVerdict(c), '');
  return lines.join('\n');
}

/**
 * A block to post on a pull request: the verdict as a heading, a table of every outcome, the
 * details of those that did not pass folded away. Model-supplied text (layer and output names)
 * is escaped so it cannot turn into Markdown or HTML. The first line is an HTML comment a bot can
 * find to update its earlier comment instead of adding one.
 */
export function checkMarkdown(c: CheckResult): string {
  const out = ['<!-- onnx-sparsity-check -->', `### ${c.passed ? MARK.pass : MARK.fail} Sparsity check ${mdText(checkVerdict(c))}: ${mdText(c.model.name)}`, ''];
  out.push(`${mdText(against(c))}`, '');
  out.push('| | Rule | Applies to | Result |', '|---|---|---|---|');
  for (const o of c.outcomes) out.push(`| ${MARK[o.status]} ${o.status} | \`${code(o.rule)}\` | ${mdText(o.subject)} | ${mdText(o.message)} |`);
  const detailed = c.outcomes.filter((o) => o.status !== 'pass' && o.details.length);
  if (detailed.length) {
    out.push('', `<details><summary>Details of ${detailed.length} rule${detailed.length === 1 ? '' : 's'} that did not pass</summary>`, '');
    for (const o of detailed) out.push(`**\`${code(o.rule)}\`** (${mdText(o.subject)}):`, '', ...o.details.map((d) => `- ${mdText(d)}`), '');
    out.push('</details>');
  }
  if (c.warnings.length) out.push('', ...c.warnings.map((w) => `> ${mdText(w)}`));
  out.push('', `<sub>onnx-sparsity ${mdText(c.tool.version)}, model sha256 \`${code(c.model.sha256.slice(0, 12))}\`, ${mdText(c.createdAt)}</sub>`, '');
  return out.join('\n');
}

/** Inside `code` in a table cell: a backtick or line break would end it, a pipe the cell. */
const code = (s: string): string => s.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

export function countOutcomes(outcomes: readonly RuleOutcome[]): Record<RuleStatus, number> {
  const n: Record<RuleStatus, number> = { pass: 0, fail: 0, error: 0, skip: 0 };
  for (const o of outcomes) n[o.status]++;
  return n;
}
