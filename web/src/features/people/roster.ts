import type { Farm, User } from '../../api/types.ts';

export interface FarmRoster {
  farm: Farm;
  members: User[];
  /** Farmers of the farm's cooperative not on it yet: only farmers can be members (else 400 CANOPY_BAD_MEMBER). */
  candidates: User[];
}

/** By name as people read them: "Nông dân 2" before "Nông dân 10", Vietnamese diacritics in their place. */
export function byName<T extends { name: string }>(items: readonly T[], locale: string): T[] {
  const collator = new Intl.Collator(locale, { numeric: true });
  return [...items].sort((a, b) => collator.compare(a.name, b.name));
}

/** Members come from each user's farmIds, so one list of users serves every farm instead of a request per farm. */
export function farmRosters(farms: readonly Farm[], users: readonly User[], locale: string): FarmRoster[] {
  const people = byName(users, locale);
  return byName(farms, locale).map((farm) => ({
    farm,
    members: people.filter((u) => u.farmIds.includes(farm.id)),
    candidates: people.filter((u) => u.role === 'farmer' && u.cooperativeId === farm.cooperativeId && !u.farmIds.includes(farm.id)),
  }));
}
