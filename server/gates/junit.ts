import type { CheckResult, RuleOutcome } from '../../common/protocol';
import { checkText } from '../../common/report/check-report';

/**
 * A check as JUnit XML, the shape GitHub's test reporters (dorny/test-reporter,
 * mikepenz/action-junit-report), GitLab's unit test reports and Jenkins read: one suite per
 * model, one testcase per rule outcome. It also satisfies the strict Ant-style schema (properties,
 * testcases, system-out, system-err in that order; package, id, a zone-less timestamp and a
 * hostname on the suite; a type on every failure and error; at most one result per testcase).
 * GitLab ignores failure@message, so the readable text is in the element body as well; each
 * testcase's classname+name is unique, since GitLab keeps only the first of a pair.
 */
export function toJunit(c: CheckResult, hostname: string): string {
  const n = c.counts;
  const tests = c.outcomes.length;
  const time = seconds(c.durationMs);
  const suite = attrs({
    name: c.model.name || 'model', tests, failures: n.fail, errors: n.error, skipped: n.skip, time,
    timestamp: c.createdAt.slice(0, 19), hostname: hostname || 'localhost', id: 0, package: 'onnx-sparsity',
  });
  const properties = [
    ['model', c.model.path], ['sha256', c.model.sha256], ['baseline', c.baseline?.path ?? ''], ['rules', c.rules ?? 'defaults'], ['version', c.tool.version],
  ].map(([k, v]) => `      <property${attrs({ name: k, value: v })}/>`);
  const seen = new Set<string>();
  const cases = c.outcomes.map((o) => testcase(o, c, seen));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'onnx-sparsity check', tests, failures: n.fail, errors: n.error, skipped: n.skip, time })}>`,
    `  <testsuite${suite}>`,
    '    <properties>', ...properties, '    </properties>',
    ...cases,
    `    <system-out>${text(checkText(c))}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(o: RuleOutcome, c: CheckResult, seen: Set<string>): string {
  const kind = o.rule.replace(/\[.*$/, '');
  const classname = `onnx-sparsity.${kind}`;
  let name = `${o.rule}: ${o.subject}`;
  for (let k = 2; seen.has(`${classname}\u0000${name}`); k++) name = `${o.rule}: ${o.subject} (${k})`;
  seen.add(`${classname}\u0000${name}`);
  const head = `    <testcase${attrs({ classname, name, time: '0.000', file: c.model.path })}`;
  const body = text([o.message, ...o.details].join('\n'));
  const result = (tag: string, extra: Record<string, string> = {}): string => `${head}>\n      <${tag}${attrs({ ...extra, message: o.message })}>${body}</${tag}>\n    </testcase>`;
  if (o.status === 'fail') return result('failure', { type: kind });
  if (o.status === 'error') return result('error', { type: kind });
  if (o.status === 'skip') return result('skipped');
  return `${head}/>`;
}

/** Seconds with at most three decimals, as Surefire's time pattern allows. */
const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

/** Characters XML 1.0 forbids (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF) become U+FFFD. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

function text(s: string): string {
  return clean(s).replace(/[&<>]/g, (ch) => (ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : '&gt;'));
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a).map(([k, v]) => ` ${k}="${text(String(v)).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')}"`).join('');
}
