/**
 * The access rules, in one pure function so they are read and tested in one place:
 * admin everything; a coop manager reads, controls and manages its cooperative; a farmer reads
 * and controls its own farms' greenhouses; an extension officer reads its cooperative only.
 */
import type { Principal } from './principal.ts';

export type Action = 'read' | 'control' | 'manage';

/** What is being touched: a cooperative (farmId undefined) or something on one farm. */
export interface Target {
  readonly cooperativeId: string;
  readonly farmId?: string;
}

/** `hidden` answers 404 (never confirm it exists), `forbidden` 403 (may read, may not do this). */
export type Decision = 'allowed' | 'forbidden' | 'hidden';

export function decide(principal: Principal, target: Target, action: Action): Decision {
  if (principal.role === 'admin') return 'allowed';
  if (principal.cooperativeId !== target.cooperativeId) return 'hidden';
  switch (principal.role) {
    case 'coop_manager':
      return 'allowed';
    case 'extension_officer':
      return action === 'read' ? 'allowed' : 'forbidden';
    case 'farmer': {
      // A farmer sees its cooperative's name but no other member's farm.
      if (target.farmId === undefined) return action === 'read' ? 'allowed' : 'forbidden';
      if (!principal.farmIds.includes(target.farmId)) return 'hidden';
      return action === 'manage' ? 'forbidden' : 'allowed';
    }
  }
}
