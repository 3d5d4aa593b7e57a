/**
 * Demo users of each role for the demo cooperative, with the documented demo passwords
 * (README, "Users and roles"). Created only when the demo runs, and only once.
 */
import type { DemoCooperative } from '../demo.ts';
import type { MetaDb } from './database.ts';
import type { Role } from './schema.ts';
import { createUser } from './users.ts';

export interface DemoUser {
  readonly role: Exclude<Role, 'admin'>;
  readonly name: string;
  readonly email: string;
  readonly phone: string;
  readonly password: string;
  readonly farmIds: readonly string[];
}

export function demoUsers(coop: DemoCooperative): DemoUser[] {
  const [first, second] = coop.farms;
  const users: DemoUser[] = [
    { role: 'coop_manager', name: 'Quản lý HTX', email: 'manager@demo.canopy', phone: '0900000001', password: 'demo-manager', farmIds: [] },
    {
      role: 'extension_officer',
      name: 'Cán bộ khuyến nông',
      email: 'officer@demo.canopy',
      phone: '0900000002',
      password: 'demo-officer',
      farmIds: [],
    },
  ];
  if (first)
    users.push({
      role: 'farmer',
      name: 'Nông dân 1',
      email: 'farmer1@demo.canopy',
      phone: '0900000011',
      password: 'demo-farmer',
      farmIds: [first.id],
    });
  if (second)
    users.push({
      role: 'farmer',
      name: 'Nông dân 2',
      email: 'farmer2@demo.canopy',
      phone: '0900000012',
      password: 'demo-farmer',
      farmIds: [second.id],
    });
  return users;
}

export async function seedDemoUsers(db: MetaDb, coop: DemoCooperative): Promise<DemoUser[]> {
  const users = demoUsers(coop);
  for (const user of users) {
    const exists = await db.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirst();
    if (!exists) await createUser(db, { ...user, cooperativeId: coop.id });
  }
  return users;
}
