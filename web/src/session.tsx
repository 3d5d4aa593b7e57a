/**
 * Who is logged in, for the whole app. Until /api/auth/me answers nothing else renders; any 401
 * from any request (expired or revoked session) brings the login page back, on the same URL so
 * a deep link still works after logging in.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { fetchSession, type Me } from './api/auth.ts';
import { UNAUTHENTICATED_EVENT } from './api/client.ts';

type SessionState = { status: 'checking' } | { status: 'anonymous' } | { status: 'user'; me: Me };

interface SessionValue {
  state: SessionState;
  loggedIn: (me: Me) => void;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'checking' });
  useEffect(() => {
    const abort = new AbortController();
    fetchSession(abort.signal).then(
      (me) => setState(me ? { status: 'user', me } : { status: 'anonymous' }),
      () => {
        if (!abort.signal.aborted) setState({ status: 'anonymous' });
      },
    );
    const onUnauthenticated = () => setState({ status: 'anonymous' });
    window.addEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    return () => {
      abort.abort();
      window.removeEventListener(UNAUTHENTICATED_EVENT, onUnauthenticated);
    };
  }, []);
  const loggedIn = useCallback((me: Me) => setState({ status: 'user', me }), []);
  return <SessionContext.Provider value={{ state, loggedIn }}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
