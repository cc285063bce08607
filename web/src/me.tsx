import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useSyncExternalStore } from 'react';
import { api, call } from './api';
import { refreshDelayMs, session } from './session';

export const Role = { pending: 0, approved: 1, member: 2, businessAdmin: 3, systemAdmin: 4 } as const;

export const ROLE_NAMES = ['pending approval', 'approved', 'member', 'business admin', 'system admin'];

export interface Me {
  userId: number;
  businessId: number | null;
  displayName: string;
  hasRepoAccount: boolean;
  role: number;
  privateProject: boolean;
  enableIngress: boolean;
  enableAlert: boolean;
  enableAdminAutoDeploy: boolean;
}

const MeContext = createContext<Me | null>(null);

export function useSessionToken(): string | null {
  return useSyncExternalStore(session.subscribe, session.token);
}

/** The signed-in user (GET /v1/authorization); only rendered inside a signed-in tree. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe outside a signed-in page');
  return me;
}

/** Whether the caller is the system admin, or a member of the business that owns an object. */
export function owns(me: Me, businessId: number | null | undefined): boolean {
  return me.role === Role.systemAdmin || (me.businessId !== null && me.businessId === businessId && me.role >= Role.member);
}

export function MeProvider({ children, fallback }: { children: ReactNode; fallback: (q: { error: unknown }) => ReactNode }) {
  const token = useSessionToken();
  const qc = useQueryClient();
  const me = useQuery({
    queryKey: ['me'],
    queryFn: async () => (await call(api.GET('/v1/authorization'))).data,
    enabled: !!token,
    // Roles change when a business is approved: look again now and then.
    refetchInterval: 30_000,
  });
  // Refresh the token before it expires (API.md §3: PUT /v1/authorization).
  useEffect(() => {
    if (!token) return;
    const refresh = async () => {
      try {
        const r = await call(api.PUT('/v1/authorization'));
        session.replace((r as { token: string }).token);
      } catch {
        // a 401 has ended the session already; anything else: the next request tells
      }
    };
    const timer = setTimeout(() => void refresh(), refreshDelayMs(token));
    return () => clearTimeout(timer);
  }, [token]);
  useEffect(() => {
    if (!token) qc.clear();
  }, [token, qc]);
  if (!me.data) return <>{fallback({ error: me.error })}</>;
  return <MeContext.Provider value={me.data}>{children}</MeContext.Provider>;
}

export async function signOut(): Promise<void> {
  try {
    await api.DELETE('/v1/authorization');
  } finally {
    session.end('You signed out.');
  }
}
