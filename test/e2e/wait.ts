/** How often `until` looks again: a poll interval, not a wait for time to pass. */
const POLL_MS = 100;

/** Thrown by a condition that can never become true (a process exited): `until` stops at once. */
export class GiveUp extends Error {
  override readonly name = 'GiveUp';
}

/**
 * Resolves when `condition` returns something truthy (that value), rejects when `timeoutMs`
 * passes first, naming `what` was awaited and the last error the condition threw.
 */
export async function until<T>(what: string, timeoutMs: number, condition: () => T | Promise<T>): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await condition();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      if (e instanceof GiveUp) throw e;
      last = e;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
