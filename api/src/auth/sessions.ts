/** Server-side sessions: the cookie holds a random id, the table its hash, owner and expiry. */
import type { MetaDb } from '@canopy/core/node';
import { type Principal, principalOf } from './principal.ts';
import { hashToken, randomToken } from './tokens.ts';

export const SESSION_COOKIE = 'canopy_session';

export async function createSession(
  db: MetaDb,
  user: { id: string; cooperative_id: string | null },
  ttlMs: number,
  now = Date.now(),
): Promise<{ id: string; expiresAt: number }> {
  const id = randomToken();
  const expiresAt = now + ttlMs;
  // Expired sessions go at each login, so the table does not grow without bound.
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  await db
    .insertInto('sessions')
    .values({ id_hash: hashToken(id), user_id: user.id, cooperative_id: user.cooperative_id, created_at: now, expires_at: expiresAt })
    .execute();
  return { id, expiresAt };
}

export async function sessionPrincipal(db: MetaDb, id: string, now = Date.now()): Promise<Principal | undefined> {
  return sessionPrincipalByHash(db, hashToken(id), now);
}

/** By the stored hash: how a live socket, which keeps no secret, re-checks its session. */
export async function sessionPrincipalByHash(db: MetaDb, idHash: string, now = Date.now()): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['u.id', 'u.role', 'u.cooperative_id'])
    .where('s.id_hash', '=', idHash)
    .where('s.expires_at', '>', now)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  return row ? principalOf(db, 'user', row) : undefined;
}

export async function deleteSession(db: MetaDb, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', hashToken(id)).execute();
}
