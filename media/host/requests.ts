import type { HostToWebview, WebviewToHost } from '../../common/protocol';

type Request = Extract<WebviewToHost, { id: number }>;
type Reply = Extract<HostToWebview, { type: 'reply' }>;
/** Omit distributed over the union, so `format` stays required on export requests. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Unsent = Without<Request, 'id'>;

export interface Outcome {
  request: Request;
  ok: boolean;
  /** The host's message; empty when it gave none or did not answer. */
  message: string;
  /** No reply came within the timeout (after seconds of silence). */
  timedOut?: number;
}

export interface Requests {
  /** Posts the request with a fresh id; its outcome (the reply, or a timeout) goes to onDone once. */
  send(request: Unsent, timeoutMs: number): number;
  /** Settles the request a reply names; false when no request of ours is waiting for that id. */
  settle(reply: Reply): boolean;
  /** The host reported progress: it is alive, so waiting requests get their full timeout again. */
  extend(): void;
  busy(type: Request['type']): boolean;
  nextId(): number;
}

interface Pending {
  request: Request;
  timeoutMs: number;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Request/reply pairing by id. Every entry leaves the table on its reply or its timeout, so a
 * host that never answers cannot leak callbacks, and the user always learns what happened.
 */
export function createRequests(post: (m: WebviewToHost) => void, onDone: (o: Outcome) => void, firstId: number): Requests {
  let next = firstId;
  const pending = new Map<number, Pending>();

  const arm = (id: number, timeoutMs: number): ReturnType<typeof setTimeout> =>
    setTimeout(() => {
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      onDone({ request: p.request, ok: false, message: '', timedOut: Math.round(p.timeoutMs / 1000) });
    }, timeoutMs);

  return {
    send(partial, timeoutMs) {
      const id = next++;
      // The union is rebuilt with its id; TypeScript cannot see that spreading keeps the discriminant.
      const request = { ...partial, id } as Request;
      pending.set(id, { request, timeoutMs, timer: arm(id, timeoutMs) });
      post(request);
      return id;
    },
    settle(reply) {
      const p = pending.get(reply.id);
      if (!p) return false;
      clearTimeout(p.timer);
      pending.delete(reply.id);
      onDone({ request: p.request, ok: reply.ok, message: reply.message ?? '' });
      return true;
    },
    extend() {
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.timer = arm(id, p.timeoutMs);
      }
    },
    busy(type) {
      for (const p of pending.values()) if (p.request.type === type) return true;
      return false;
    },
    nextId: () => next,
  };
}
