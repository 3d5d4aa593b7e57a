/** User records shared by the API and the composition root (first admin, demo users). */
import { randomUUID } from 'node:crypto';
import type { MetaDb } from './database.ts';
import { hashPassword } from './passwords.ts';
import type { Role } from './schema.ts';

export interface NewUser {
  readonly role: Role;
  readonly cooperativeId: string | null;
  readonly name: string;
  readonly email?: string | null;
  readonly phone?: string | null;
  readonly password: string;
  readonly farmIds?: readonly string[];
}

/** Emails compare case-insensitively. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Phones compare by digits; +84 (Vietnam) is the national 0, so "+84 912…" and "0912…" are one number. */
export function normalizePhone(phone: string): string {
  const compact = phone.replace(/[^\d+]/g, '');
  return compact.startsWith('+84') ? `0${compact.slice(3)}` : compact;
}

export async function createUser(db: MetaDb, user: NewUser, now = Date.now()): Promise<string> {
  const id = `u-${randomUUID()}`;
  const passwordHash = await hashPassword(user.password);
  await db.transaction().execute(async (tx) => {
    await tx
      .insertInto('users')
      .values({
        id,
        cooperative_id: user.role === 'admin' ? null : user.cooperativeId,
        role: user.role,
        name: user.name,
        email: user.email ? normalizeEmail(user.email) : null,
        phone: user.phone ? normalizePhone(user.phone) : null,
        password_hash: passwordHash,
        created_at: now,
      })
      .execute();
    if (user.cooperativeId !== null) {
      for (const farmId of user.farmIds ?? []) {
        await tx.insertInto('farm_members').values({ farm_id: farmId, user_id: id, cooperative_id: user.cooperativeId }).execute();
      }
    }
  });
  return id;
}

export async function countAdmins(db: MetaDb): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function findUserByLogin(db: MetaDb, login: { email?: string; phone?: string }) {
  let query = db.selectFrom('users').selectAll();
  if (login.email !== undefined) query = query.where('email', '=', normalizeEmail(login.email));
  else if (login.phone !== undefined) query = query.where('phone', '=', normalizePhone(login.phone));
  else return undefined;
  return query.executeTakeFirst();
}

export class UserError extends Error {
  constructor(
    readonly code: 'CANOPY_BAD_USER' | 'CANOPY_BAD_MEMBER',
    message: string,
  ) {
    super(message);
  }
}

export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  /** Null only for admins. */
  cooperativeId: string | null;
  email: string | null;
  phone: string | null;
  /** The farms a farmer is a member of; empty for the other roles. */
  farmIds: string[];
  disabled: boolean;
}

export async function listUsers(db: MetaDb, filter: { cooperativeId?: string; ids?: readonly string[] } = {}): Promise<UserRecord[]> {
  if (filter.ids?.length === 0) return [];
  let query = db
    .selectFrom('users')
    .select(['id', 'name', 'role', 'cooperative_id', 'email', 'phone', 'disabled_at'])
    .orderBy('name')
    .orderBy('id');
  if (filter.cooperativeId !== undefined) query = query.where('cooperative_id', '=', filter.cooperativeId);
  if (filter.ids !== undefined) query = query.where('id', 'in', filter.ids);
  const rows = await query.execute();
  if (rows.length === 0) return [];
  const members = await db
    .selectFrom('farm_members')
    .select(['user_id', 'farm_id'])
    .where(
      'user_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('farm_id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    role: r.role,
    cooperativeId: r.cooperative_id,
    email: r.email,
    phone: r.phone,
    farmIds: members.filter((m) => m.user_id === r.id).map((m) => m.farm_id),
    disabled: r.disabled_at !== null,
  }));
}

export async function getUser(db: MetaDb, id: string): Promise<UserRecord | undefined> {
  const [user] = await listUsers(db, { ids: [id] });
  return user;
}

export interface UserChange {
  readonly name?: string;
  readonly role?: Role;
  /** Only when the role leaves admin (an admin has none) or an admin moves the user. */
  readonly cooperativeId?: string | null;
  /** A farmer's farms, replacing the current ones; all of its cooperative. */
  readonly farmIds?: readonly string[];
  readonly disabled?: boolean;
}

/**
 * Changes a user's name, role, cooperative, farms or disabled state in one transaction. A user
 * that is no farmer keeps no memberships; a user moved to another cooperative loses its old
 * farms; disabling ends its sessions (its API keys stop working while it is disabled). Who may
 * make which change is the API's rule, not this function's.
 */
export async function updateUser(db: MetaDb, id: string, change: UserChange, now = Date.now()): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const user = await tx.selectFrom('users').select(['role', 'cooperative_id', 'disabled_at']).where('id', '=', id).executeTakeFirst();
    if (!user) throw new UserError('CANOPY_BAD_USER', `no user ${id}`);
    const role = change.role ?? user.role;
    const cooperativeId = role === 'admin' ? null : change.cooperativeId === undefined ? user.cooperative_id : change.cooperativeId;
    if (role !== 'admin' && cooperativeId === null) throw new UserError('CANOPY_BAD_USER', 'every role but admin needs a cooperative');
    if (cooperativeId !== null && cooperativeId !== user.cooperative_id) {
      const coop = await tx.selectFrom('cooperatives').select('id').where('id', '=', cooperativeId).executeTakeFirst();
      if (!coop) throw new UserError('CANOPY_BAD_USER', `no cooperative ${cooperativeId}`);
    }
    if (change.farmIds !== undefined && change.farmIds.length > 0 && role !== 'farmer')
      throw new UserError('CANOPY_BAD_USER', 'only farmers are members of farms');
    const farmIds = [...new Set(change.farmIds ?? [])];
    if (farmIds.length > 0) {
      const farms = await tx.selectFrom('farms').select(['id', 'cooperative_id']).where('id', 'in', farmIds).execute();
      if (farms.length !== farmIds.length || farms.some((f) => f.cooperative_id !== cooperativeId))
        throw new UserError('CANOPY_BAD_USER', 'farms must belong to the user’s cooperative');
    }

    const disabledAt = change.disabled === undefined ? user.disabled_at : change.disabled ? (user.disabled_at ?? now) : null;
    await tx
      .updateTable('users')
      .set({
        ...(change.name === undefined ? {} : { name: change.name.trim() }),
        role,
        cooperative_id: cooperativeId,
        disabled_at: disabledAt,
      })
      .where('id', '=', id)
      .execute();

    const moved = cooperativeId !== user.cooperative_id;
    if (role !== 'farmer' || moved || change.farmIds !== undefined) await tx.deleteFrom('farm_members').where('user_id', '=', id).execute();
    if (role === 'farmer' && cooperativeId !== null) {
      for (const farmId of farmIds) {
        await tx.insertInto('farm_members').values({ farm_id: farmId, user_id: id, cooperative_id: cooperativeId }).execute();
      }
    }
    if (moved) {
      // These copies of the cooperative scope what a manager lists; they follow the user.
      await tx.updateTable('sessions').set({ cooperative_id: cooperativeId }).where('user_id', '=', id).execute();
      await tx.updateTable('api_keys').set({ cooperative_id: cooperativeId }).where('user_id', '=', id).execute();
    }
    if (disabledAt !== null) await tx.deleteFrom('sessions').where('user_id', '=', id).execute();
  });
}

/** Makes a farmer a member of a farm of its cooperative; false when it already was. */
export async function addFarmMember(db: MetaDb, farmId: string, userId: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const farm = await tx.selectFrom('farms').select('cooperative_id').where('id', '=', farmId).executeTakeFirst();
    const user = await tx.selectFrom('users').select(['role', 'cooperative_id']).where('id', '=', userId).executeTakeFirst();
    if (!farm || !user) throw new UserError('CANOPY_BAD_MEMBER', 'no such farm or user');
    if (user.role !== 'farmer') throw new UserError('CANOPY_BAD_MEMBER', 'only farmers are members of farms');
    if (user.cooperative_id !== farm.cooperative_id) throw new UserError('CANOPY_BAD_MEMBER', 'the farmer belongs to another cooperative');
    const result = await tx
      .insertInto('farm_members')
      .values({ farm_id: farmId, user_id: userId, cooperative_id: farm.cooperative_id })
      .onConflict((oc) => oc.columns(['farm_id', 'user_id']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  });
}

/** False when the user was no member of the farm. */
export async function removeFarmMember(db: MetaDb, farmId: string, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('farm_members').where('farm_id', '=', farmId).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
