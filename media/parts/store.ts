/**
 * A value with listeners. The selected layer (and the chosen accelerator) is one such value per
 * report: the table and every chart read it and set it, so a click anywhere selects everywhere.
 */
export interface Store<T> {
  get(): T;
  /** Notifies listeners only when the value changes (by `equal`). */
  set(value: T): void;
  /** Returns a function that removes the listener. */
  on(listener: (value: T) => void): () => void;
}

export function createStore<T>(initial: T, equal: (a: T, b: T) => boolean = Object.is): Store<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  return {
    get: () => value,
    set(next) {
      if (equal(value, next)) return;
      value = next;
      // A copy: a listener that unsubscribes (a chart replaced while drawing) must not skip another.
      for (const l of [...listeners]) l(value);
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Subscribes for as long as `node` stays in the document: a report redrawn from a new message
 * replaces its charts, and their listeners must go with them instead of piling up on the store.
 */
export function listen<T>(store: Store<T>, node: Node, listener: (value: T) => void): void {
  const off = store.on((v) => {
    if (node.isConnected) listener(v);
    else off();
  });
}
