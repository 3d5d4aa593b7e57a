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
