import { describe, expect, it } from 'vitest';
import type { Principal } from './principal.ts';
import { decide } from './rules.ts';

const base = { kind: 'user', userId: 'u', cooperativeId: 'c1', farmIds: [] } as const;
const admin: Principal = { ...base, role: 'admin', cooperativeId: null };
const manager: Principal = { ...base, role: 'coop_manager' };
const officer: Principal = { ...base, role: 'extension_officer' };
const farmer: Principal = { ...base, role: 'farmer', farmIds: ['fA'] };

describe('access rules', () => {
  it('lets each role do exactly its share', () => {
    const own = { cooperativeId: 'c1', farmId: 'fA' };
    const other = { cooperativeId: 'c1', farmId: 'fB' };
    const elsewhere = { cooperativeId: 'c2', farmId: 'fZ' };
    const table = [admin, manager, officer, farmer].map((p) => [
      p.role,
      ...(['read', 'control', 'manage'] as const).flatMap((a) => [decide(p, own, a), decide(p, other, a), decide(p, elsewhere, a)]),
    ]);
    expect(table).toEqual([
      ['admin', ...Array(9).fill('allowed')],
      ['coop_manager', 'allowed', 'allowed', 'hidden', 'allowed', 'allowed', 'hidden', 'allowed', 'allowed', 'hidden'],
      ['extension_officer', 'allowed', 'allowed', 'hidden', 'forbidden', 'forbidden', 'hidden', 'forbidden', 'forbidden', 'hidden'],
      ['farmer', 'allowed', 'hidden', 'hidden', 'allowed', 'hidden', 'hidden', 'forbidden', 'hidden', 'hidden'],
    ]);
  });

  it('lets a farmer read its cooperative but not change it', () => {
    expect(decide(farmer, { cooperativeId: 'c1' }, 'read')).toBe('allowed');
    expect(decide(farmer, { cooperativeId: 'c1' }, 'manage')).toBe('forbidden');
    expect(decide(farmer, { cooperativeId: 'c2' }, 'read')).toBe('hidden');
  });
});
