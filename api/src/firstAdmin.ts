/**
 * The first admin, created when the database has none: from ADMIN_EMAIL / ADMIN_PASSWORD, or
 * with a random password that is printed once and stored only as a hash.
 */
import { countAdmins, createUser, type MetaDb, randomPassword } from '@canopy/core/node';

export interface AdminConfig {
  readonly email: string;
  readonly password?: string;
}

/** Returns the generated password when one was made up, for the caller to show once. */
export async function ensureFirstAdmin(db: MetaDb, admin: AdminConfig): Promise<string | undefined> {
  if ((await countAdmins(db)) > 0) return undefined;
  const password = admin.password ?? randomPassword();
  await createUser(db, { role: 'admin', cooperativeId: null, name: 'Admin', email: admin.email, password });
  return admin.password === undefined ? password : undefined;
}
