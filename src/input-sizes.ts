import * as vscode from 'vscode';
import type { RunReport } from '../common/protocol';
import type { RememberedRun } from './run-memory';
import { answersToSizes, sizeQuestions } from './size-questions';

const MAX_SIZE = 2 ** 31 - 1;

/** Asks for every size, one input box each, prefilled; undefined when the user gives up. */
export async function askInputSizes(model: string, run: RunReport): Promise<RememberedRun | undefined> {
  const questions = sizeQuestions(run);
  if (!questions.length) {
    void vscode.window.showInformationMessage(`Every input dim of ${model} has a fixed size: there is nothing to set.`);
    return undefined;
  }
  const answers: number[] = [];
  for (const [i, q] of questions.entries()) {
    const shape = `[${q.declared.map((d) => (d === null ? '?' : d)).join(', ')}]`;
    const label = q.name === null ? `dim ${q.dim} (unnamed)` : `dim ${q.dim} '${q.name}'`;
    const answer = await vscode.window.showInputBox({
      title: `Input sizes for ${model} (${i + 1} of ${questions.length})`,
      prompt: `Size of ${label} of input '${q.input}' ${shape}`,
      value: String(q.value),
      ignoreFocusOut: true,
      validateInput: (s) => (/^\s*\d+\s*$/.test(s) && Number(s) >= 1 && Number(s) <= MAX_SIZE ? undefined : `a whole number from 1 to ${MAX_SIZE}`),
    });
    if (answer === undefined) return undefined;
    answers.push(Number(answer));
  }
  return answersToSizes(questions, answers, run);
}
