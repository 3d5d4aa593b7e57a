/**
 * API keys for integrations. A key acts with its owner's role and rights; only its hash is
 * stored, and a revoked key fails on the very next request because nothing caches it.
 */
import { randomUUID } from 'node:crypto';
import type { MetaDb } from '@canopy/core/node';
import { type Principal, principalOf } from './principal.ts';
import { hashToken, randomToken } from './tokens.ts';

export const API_KEY_PREFIX = 'cnp_';

export interface ApiKeyInfo {
  id: string;
  name: string;
  userId: string;
  createdAt: number;
  revokedAt: number | null;
}

export async function createApiKey(
  db: MetaDb,
  owner: { userId: string; cooperativeId: string | null },
  name: string,
  now = Date.now(),
): Promise<{ info: ApiKeyInfo; key: string }> {
  const key = randomToken(API_KEY_PREFIX);
  const id = `k-${randomUUID()}`;
  await db
    .insertInto('api_keys')
    .values({
      id,
      user_id: owner.userId,
      cooperative_id: owner.cooperativeId,
      name,
      key_hash: hashToken(key),
      created_at: now,
      revoked_at: null,
    })
    .execute();
  return { info: { id, name, userId: owner.userId, createdAt: now, revokedAt: null }, key };
}

export async function apiKeyPrincipal(db: MetaDb, key: string): Promise<Principal | undefined> {
  return apiKeyPrincipalByHash(db, hashToken(key));
}

/** By the stored hash: how a live socket, which keeps no secret, re-checks its key. A disabled owner's keys do nothing. */
export async function apiKeyPrincipalByHash(db: MetaDb, keyHash: string): Promise<Principal | undefined> {
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.user_id')
    .select(['u.id', 'u.role', 'u.cooperative_id'])
    .where('k.key_hash', '=', keyHash)
    .where('k.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
  return row ? principalOf(db, 'apiKey', row) : undefined;
}

/** Keys the principal may see: its own, or every key of the cooperative for a manager, all for an admin. */
export async function listApiKeys(db: MetaDb, principal: Principal): Promise<ApiKeyInfo[]> {
  let query = db.selectFrom('api_keys').select(['id', 'name', 'user_id', 'created_at', 'revoked_at']).orderBy('created_at').orderBy('id');
  if (principal.role === 'coop_manager') query = query.where('cooperative_id', '=', principal.cooperativeId);
  else if (principal.role !== 'admin') query = query.where('user_id', '=', principal.userId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    userId: r.user_id,
    createdAt: Number(r.created_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  }));
}

export async function findApiKey(db: MetaDb, principal: Principal, id: string): Promise<ApiKeyInfo | undefined> {
  return (await listApiKeys(db, principal)).find((k) => k.id === id);
}

/** Revokes the key and returns its hash, so live sockets opened with it can be dropped too. */
export async function revokeApiKey(db: MetaDb, id: string, now = Date.now()): Promise<string | undefined> {
  await db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  return (await db.selectFrom('api_keys').select('key_hash').where('id', '=', id).executeTakeFirst())?.key_hash;
}
