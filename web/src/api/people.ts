import { getJson, sendJson } from './client.ts';
import type { Farm, NewUser, User } from './types.ts';

const path = (...parts: string[]) => `/api/${parts.map(encodeURIComponent).join('/')}`;

export async function fetchFarms(signal?: AbortSignal): Promise<Farm[]> {
  return (await getJson<{ farms: Farm[] }>('/api/farms', signal)).farms;
}

/** Everyone the caller may see, each with its farms; an extension officer gets no email or phone. */
export async function fetchUsers(signal?: AbortSignal): Promise<User[]> {
  return (await getJson<{ users: User[] }>('/api/users', signal)).users;
}

export function createUser(user: NewUser): Promise<User> {
  return sendJson('POST', '/api/users', user);
}

export function updateUser(id: string, change: { role?: User['role']; disabled?: boolean }): Promise<User> {
  return sendJson('PATCH', path('users', id), change);
}

/** Idempotent: adding a member twice is no error. */
export function addFarmMember(farmId: string, userId: string): Promise<void> {
  return sendJson('PUT', path('farms', farmId, 'members', userId));
}

export function removeFarmMember(farmId: string, userId: string): Promise<void> {
  return sendJson('DELETE', path('farms', farmId, 'members', userId));
}
