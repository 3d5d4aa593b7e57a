import { describe, expect, it } from 'vitest';
import type { Farm, User } from '../../api/types.ts';
import { byName, farmRosters } from './roster.ts';

const farm = (id: string, name: string, cooperativeId = 'coop-1'): Farm => ({ id, cooperativeId, name, greenhouseIds: [] });
const user = (id: string, name: string, role: User['role'], farmIds: string[] = [], cooperativeId: string | null = 'coop-1'): User => ({
  id,
  name,
  role,
  cooperativeId,
  email: null,
  phone: null,
  farmIds,
  disabled: false,
});

describe('farm rosters', () => {
  it('sorts names numerically and with Vietnamese letters in place', () => {
    const names = byName([{ name: 'Nông dân 10' }, { name: 'Nông dân 2' }, { name: 'Đỗ Văn B' }, { name: 'Dương Văn A' }], 'vi');
    expect(names.map((n) => n.name)).toEqual(['Dương Văn A', 'Đỗ Văn B', 'Nông dân 2', 'Nông dân 10']);
  });

  it('lists each farm’s members and the cooperative’s other farmers as candidates', () => {
    const farms = [farm('farm-2', 'Trại B'), farm('farm-1', 'Trại A'), farm('farm-x', 'Trại X', 'coop-2')];
    const users = [
      user('u-1', 'An', 'farmer', ['farm-1']),
      user('u-2', 'Bình', 'farmer', ['farm-1', 'farm-2']),
      user('u-3', 'Cường', 'farmer'),
      user('u-m', 'Quản lý', 'coop_manager'),
      user('u-o', 'Khuyến nông', 'extension_officer'),
      user('u-9', 'Giang', 'farmer', [], 'coop-2'),
    ];
    const rosters = farmRosters(farms, users, 'vi');
    const ids = (list: User[]) => list.map((u) => u.id);
    expect(rosters.map((r) => r.farm.id)).toEqual(['farm-1', 'farm-2', 'farm-x']);
    expect(rosters.map((r) => ids(r.members))).toEqual([['u-1', 'u-2'], ['u-2'], []]);
    expect(rosters.map((r) => ids(r.candidates))).toEqual([['u-3'], ['u-1', 'u-3'], ['u-9']]);
  });
});
