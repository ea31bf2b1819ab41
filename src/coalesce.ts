/**
 * Runs `work` one at a time: a call while it runs asks for exactly one more run afterwards (a
 * model saved twice while it is analysed needs one more analysis, not two). Every caller's
 * promise settles when the runs it waited for are done. A run that fails while a newer one is
 * pending is superseded: only the newest outcome counts.
 */
export function coalesce(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          try {
            await work();
          } catch (e) {
            if (!again) throw e;
          }
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
}
