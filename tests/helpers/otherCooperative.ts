import type { MetaDb } from '@canopy/core/node';

/** A second cooperative (coop-other) with farm-x and greenhouse gh-x, which the demo's people must never reach. */
export async function seedOtherCooperative(meta: MetaDb): Promise<void> {
  const now = Date.now();
  await meta
    .insertInto('cooperatives')
    .values({ id: 'coop-other', name: 'HTX khác', time_zone: 'Asia/Ho_Chi_Minh', locale: 'vi', created_at: now })
    .execute();
  await meta.insertInto('farms').values({ id: 'farm-x', cooperative_id: 'coop-other', name: 'X', created_at: now }).execute();
  await meta
    .insertInto('greenhouses')
    .values({
      id: 'gh-x',
      cooperative_id: 'coop-other',
      farm_id: 'farm-x',
      name: 'X',
      area_m2: null,
      structure: null,
      location: null,
      created_at: now,
    })
    .execute();
}
