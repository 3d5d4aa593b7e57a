import { getJson, postJson } from './client.ts';
import type { Role } from './types.ts';

export interface Me {
  user: {
    id: string;
    name: string;
    role: Role;
    email: string | null;
    phone: string | null;
  };
}

/** The current session's user, or null when logged out (never a 401). */
export const fetchSession = async (signal?: AbortSignal) => (await getJson<{ me: Me | null }>('/api/auth/session', signal)).me;

/** An identifier with an @ is an email; anything else is taken as a phone number. */
export function login(identifier: string, password: string): Promise<Me> {
  const id = identifier.trim();
  return postJson<Me>('/api/auth/login', id.includes('@') ? { email: id, password } : { phone: id, password });
}

export const logout = () => postJson<void>('/api/auth/logout', {});
