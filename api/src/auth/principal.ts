/** Who is asking: the identity every protected route and the live socket act for. */
import type { MetaDb, Role } from '@canopy/core/node';

export type { Role };

export interface Principal {
  readonly kind: 'user' | 'apiKey';
  readonly userId: string;
  readonly role: Role;
  /** Null only for admin. */
  readonly cooperativeId: string | null;
  /** The farms a farmer is a member of; empty for the other roles. */
  readonly farmIds: readonly string[];
}

export async function principalOf(
  db: MetaDb,
  kind: Principal['kind'],
  user: { id: string; role: Role; cooperative_id: string | null },
): Promise<Principal> {
  const farms =
    user.role === 'farmer'
      ? await db.selectFrom('farm_members').select('farm_id').where('user_id', '=', user.id).orderBy('farm_id').execute()
      : [];
  return {
    kind,
    userId: user.id,
    role: user.role,
    cooperativeId: user.role === 'admin' ? null : user.cooperative_id,
    farmIds: farms.map((f) => f.farm_id),
  };
}
