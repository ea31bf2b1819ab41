import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The files one piece of work read (the model, its external data, the inputs, profile files),
 * recorded by openRegular wherever in the call tree it happens, so an output written after it
 * can refuse to replace any of them without every stage passing a list along.
 */
const log = new AsyncLocalStorage<Set<string>>();

export async function recordingReads<T>(work: () => Promise<T>): Promise<{ result: T; read: string[] }> {
  const read = new Set<string>();
  const result = await log.run(read, work);
  return { result, read: [...read] };
}

export function noteRead(file: string): void {
  log.getStore()?.add(file);
}
