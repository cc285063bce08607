/**
 * The sign-in token lives in memory and in sessionStorage (so a reload keeps
 * the tab signed in, closing it does not), never in a URL or localStorage.
 * It is refreshed before it expires (PUT /v1/authorization, API.md §3) and
 * dropped on a 401.
 */
const KEY = 'ote.token';

type Listener = () => void;

interface State {
  token: string | null;
  /** Why the last session ended, shown on the sign-in page. */
  notice: string | null;
}

let state: State = { token: readStored(), notice: null };
const listeners = new Set<Listener>();

function readStored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function set(next: State) {
  state = next;
  try {
    if (next.token) sessionStorage.setItem(KEY, next.token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // storage unavailable: memory only
  }
  for (const l of listeners) l();
}

/** Seconds since the epoch at which a JWT expires, or null if it does not say. */
export function tokenExpiry(token: string): number | null {
  try {
    const part = token.split('.')[1];
    if (!part) return null;
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp : null;
  } catch {
    return null;
  }
}

/** When to refresh: a fifth of the lifetime before expiry, at least 30 s before. */
export function refreshDelayMs(token: string, nowMs = Date.now()): number {
  const exp = tokenExpiry(token);
  if (exp === null) return 10 * 60_000;
  const left = exp * 1000 - nowMs;
  return Math.max(5_000, Math.min(left - 30_000, left * 0.8));
}

export const session = {
  token: () => state.token,
  notice: () => state.notice,
  snapshot: () => state,
  subscribe: (l: Listener) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  start: (token: string) => {
    set({ token, notice: null });
  },
  /** A refreshed token replaces the old one (which stays valid until its own expiry). */
  replace: (token: string) => {
    if (state.token) set({ token, notice: null });
  },
  end: (notice: string | null = null) => {
    set({ token: null, notice });
  },
};
