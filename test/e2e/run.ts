/**
 * `npm run test:e2e`: the packaged extension in a real VS Code (code-server), used from headless
 * Chromium as a person would. Each flow is one file in flows/; add one to FLOWS to test a new
 * feature. Prints each flow's outcome, the timings, and where the screenshots are; exits 1 on
 * any failure. Processes it started are stopped on the way out, whatever happens.
 */
import { Session, type Flow } from './harness';
import { analyzeFromExplorer } from './flows/analyze-from-explorer';
import { analyzeFromPalette } from './flows/analyze-from-palette';
import { applyPlan } from './flows/apply-plan';
import { benchmarkFromPalette } from './flows/benchmark-from-palette';
import { cancelAnalysis } from './flows/cancel-analysis';
import { chooseSampleInputs } from './flows/choose-sample-inputs';
import { corruptModel } from './flows/corrupt-model';
import { openByDoubleClick } from './flows/open-by-double-click';
import { reportThemes } from './flows/report-themes';
import { setInputSizes } from './flows/set-input-sizes';

/** In order; each starts from a plain workbench (no editors, menus or notifications). */
const FLOWS: Flow[] = [analyzeFromExplorer, openByDoubleClick, analyzeFromPalette, corruptModel, cancelAnalysis, reportThemes, benchmarkFromPalette, setInputSizes, applyPlan, chooseSampleInputs];

/** A cold run (nothing cached) must finish within this; a warm one takes about a minute. */
const BUDGET_S = 360;
const t0 = performance.now();
const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const log = (line: string): void => console.log(`[e2e ${elapsed()}] ${line}`);

async function main(): Promise<number> {
  const session = Session.create(log);
  const stop = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping`);
    void session.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const failures: string[] = [];
  try {
    await session.start();
    // ONNX_SPARSITY_E2E_ONLY=word,word: only the flows whose names hold one of the words (for working on one).
    const only = process.env.ONNX_SPARSITY_E2E_ONLY?.split(',').filter(Boolean);
    for (const flow of FLOWS.filter((f) => !only?.length || only.some((w) => f.name.includes(w)))) {
      try {
        await session.step(`flow: ${flow.name}`, async () => {
          await session.wb!.reset();
          await flow.run(session.context());
        });
        console.log(`ok    ${flow.name}`);
      } catch (e) {
        failures.push(flow.name);
        console.log(`FAIL  ${flow.name}\n      ${e instanceof Error ? (e.stack ?? e.message).replace(/\n/g, '\n      ') : String(e)}`);
        await session.keepEvidence(flow.name.slice(0, 40));
      }
    }
  } catch (e) {
    failures.push('set-up');
    console.log(`FAIL  set-up\n      ${e instanceof Error ? (e.stack ?? e.message).replace(/\n/g, '\n      ') : String(e)}`);
    await session.keepEvidence('set-up');
  } finally {
    await session.close();
  }
  console.log('\ntimings:');
  for (const [name, s] of session.timings) console.log(`  ${s.toFixed(1).padStart(6)} s  ${name}`);
  const total = (performance.now() - t0) / 1000;
  console.log(`  ${total.toFixed(1).padStart(6)} s  total${total > BUDGET_S ? `: OVER the ${BUDGET_S / 60}-minute budget of a cold run` : ` (budget ${BUDGET_S / 60} minutes cold)`}`);
  console.log(`\nscreenshots and logs: ${session.artifacts}`);
  console.log(failures.length ? `\n${failures.length} failed: ${failures.join('; ')}` : '\nall flows passed');
  return failures.length ? 1 : 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e);
  process.exit(1);
});
