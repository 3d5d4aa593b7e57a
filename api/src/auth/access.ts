/**
 * Loads a resource and applies the rules in one step, so no route can fetch a record and
 * forget to check it. 404 when the principal may not even read it, 403 when it may read but
 * not do the action.
 */
import { isValidId } from '@canopy/core';
import {
  type CooperativeRecord,
  type GreenhouseRecord,
  getGreenhouse,
  listCooperatives,
  listGreenhouses,
  type MetaDb,
} from '@canopy/core/node';
import { ApiError, notFound } from '../errors.ts';
import type { Principal } from './principal.ts';
import { type Action, decide, type Target } from './rules.ts';

export interface FarmRecord {
  id: string;
  cooperativeId: string;
  name: string;
}

export interface Access {
  greenhouse(principal: Principal, greenhouseId: string, action: Action): Promise<GreenhouseRecord>;
  cooperative(principal: Principal, cooperativeId: string, action: Action): Promise<CooperativeRecord>;
  farm(principal: Principal, farmId: string, action: Action): Promise<FarmRecord>;
  /** Ids of every greenhouse the principal may read. */
  readableGreenhouseIds(principal: Principal): Promise<string[]>;
  /** Every greenhouse record the principal may read, in listing order. */
  readableGreenhouses(principal: Principal): Promise<GreenhouseRecord[]>;
}

export const forbidden = (what: string, action: Action) => new ApiError(403, 'CANOPY_FORBIDDEN', `not allowed to ${action} this ${what}`);

function check<T>(principal: Principal, record: T | undefined, target: (r: T) => Target, action: Action, what: string): T {
  const decision = record === undefined ? 'hidden' : decide(principal, target(record), action);
  if (decision === 'hidden' || record === undefined) throw notFound(what);
  if (decision === 'forbidden') throw forbidden(what, action);
  return record;
}

export function createAccess(db: MetaDb): Access {
  async function readableGreenhouses(principal: Principal): Promise<GreenhouseRecord[]> {
    if (principal.role === 'admin') return listGreenhouses(db);
    if (principal.cooperativeId === null) return [];
    if (principal.role === 'farmer') return listGreenhouses(db, { cooperativeId: principal.cooperativeId, farmIds: principal.farmIds });
    return listGreenhouses(db, { cooperativeId: principal.cooperativeId });
  }

  return {
    async greenhouse(principal, id, action) {
      const record = isValidId(id) ? await getGreenhouse(db, id) : undefined;
      return check(principal, record, (g) => ({ cooperativeId: g.cooperativeId, farmId: g.farm.id }), action, 'greenhouse');
    },
    async cooperative(principal, id, action) {
      const record = (await listCooperatives(db)).find((c) => c.id === id);
      return check(principal, record, (c) => ({ cooperativeId: c.id }), action, 'cooperative');
    },
    async farm(principal, id, action) {
      const row = isValidId(id)
        ? await db.selectFrom('farms').select(['id', 'cooperative_id', 'name']).where('id', '=', id).executeTakeFirst()
        : undefined;
      const record = row && { id: row.id, cooperativeId: row.cooperative_id, name: row.name };
      return check(principal, record, (f) => ({ cooperativeId: f.cooperativeId, farmId: f.id }), action, 'farm');
    },
    readableGreenhouses,
    async readableGreenhouseIds(principal) {
      return (await readableGreenhouses(principal)).map((g) => g.id);
    },
  };
}
