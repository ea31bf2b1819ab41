import type { LayerReport, Report } from '../../common/protocol';
import { pct } from '../../common/report/format';
import { matchedLayers, noLayers } from './rules-sparsity';
import { nmPattern, outcome, type Field, type RuleKind } from './rule-kind';

export interface NmReadyRule {
  layers: string;
  pattern: string;
}

/** Every layer matching `layers` is ready for `pattern`: every group complies and K is a multiple of M. */
export const nmReady: RuleKind<NmReadyRule[]> = {
  parse: (f) => f.list().map((item: Field) => {
    const o = item.object(['layers', 'pattern']);
    if (!o.layers || !o.pattern) item.fail('must have "layers" (a layer-name glob) and "pattern" (e.g. "2:4")');
    return { layers: o.layers.string(), pattern: nmPattern(o.pattern) };
  }),
  needsBaseline: () => false,
  evaluate: (rules, { report }) => rules.map((r, i) => {
    const id = `nmReady[${i}]`;
    if (!report.options.nm.includes(r.pattern)) return unmeasured(id, r.layers, r.pattern, report);
    const layers = matchedLayers(report.layers, r.layers).filter((l) => l.gemm);
    if (!layers.length) return noLayers(id, r.layers, report.layers.filter((l) => l.gemm));
    const not = layers.filter((l) => !l.nm[r.pattern]?.ready);
    return outcome(id, `${r.layers} ${r.pattern}`, not.length ? 'fail' : 'pass',
      not.length ? `${not.length} of ${layers.length} matching layers are not ${r.pattern}-ready` : `all ${layers.length} matching layers are ${r.pattern}-ready`,
      not.map((l) => notReady(l, r.pattern)));
  }),
};

/** No layer that was N:M-ready in the baseline has lost it (or gone): `true` for every pattern both analyses measured. */
export const keepNmReady: RuleKind<true | string[]> = {
  parse: (f) => (f.value === true ? true : f.list(64).map(nmPattern)),
  needsBaseline: () => true,
  evaluate(rule, { report, baseline, diff }) {
    const patterns = rule === true ? diff!.patterns.map((p) => p.pattern) : rule;
    if (!patterns.length) return [outcome('keepNmReady', 'model', 'skip', 'the model and the baseline measured no N:M pattern in common')];
    return patterns.map((p) => {
      const d = diff!.patterns.find((x) => x.pattern === p);
      if (!d) return unmeasured('keepNmReady', p, p, report.options.nm.includes(p) ? baseline! : report);
      const was = d.ready[0];
      if (!was && !d.missing.length) return outcome('keepNmReady', p, 'pass', `no layer was ${p}-ready in the baseline (${d.ready[1]} of ${d.of[1]} are now)`);
      const lost = [...d.lost.map((n) => notReady(report.layers.find((l) => l.name === n)!, p)), ...d.missing.map((n) => `${n}: not in the model (removed or renamed)`)];
      return outcome('keepNmReady', p, lost.length ? 'fail' : 'pass',
        lost.length
          ? `${lost.length} of ${was} layers ${p}-ready in the baseline no longer are`
          : `all ${was} layers ${p}-ready in the baseline still are (${d.ready[1]} of ${d.of[1]} now)`,
        lost);
    });
  },
};

function notReady(l: LayerReport, pattern: string): string {
  const nm = l.nm[pattern];
  const m = Number(pattern.split(':')[1]);
  const why = l.gemm && l.gemm.k % m !== 0 ? `K = ${l.gemm.k} is not a multiple of ${m}` : `${pct(nm?.groupShare)} of groups comply`;
  return `${l.name}: not ${pattern}-ready (${why})`;
}

function unmeasured(rule: string, subject: string, pattern: string, r: Report) {
  return outcome(rule, subject, 'error', `${pattern} was not measured in ${r.model.name} (it measured ${r.options.nm.join(', ') || 'no pattern'}); analyse with --nm including ${pattern}`);
}
