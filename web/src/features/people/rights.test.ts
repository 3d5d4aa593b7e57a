import { describe, expect, it } from 'vitest';
import type { User } from '../../api/types.ts';
import { assignableRoles, canChangeRole, canChangeUser, canManagePeople, canSeePeople, losesAccess } from './rights.ts';

const manager = { id: 'u-m', role: 'coop_manager' } as const;
const admin = { id: 'u-a', role: 'admin' } as const;
const officer = { id: 'u-o', role: 'extension_officer' } as const;
const farmer = { id: 'u-f', role: 'farmer' } as const;

describe('people rights', () => {
  it('shows the screen to everyone but farmers, and its controls to managers and admins', () => {
    expect([admin, manager, officer, farmer].map((p) => canSeePeople(p.role))).toEqual([true, true, true, false]);
    expect([admin, manager, officer, farmer].map((p) => canManagePeople(p.role))).toEqual([true, true, false, false]);
  });

  it('lets a manager change non-admin users other than itself', () => {
    expect(canChangeUser(manager, farmer)).toBe(true);
    expect(canChangeUser(manager, officer)).toBe(true);
    expect(canChangeUser(manager, { id: 'u-m2', role: 'coop_manager' })).toBe(true);
    expect(canChangeUser(manager, admin)).toBe(false);
    expect(canChangeUser(manager, manager)).toBe(false);
    expect(canChangeUser(officer, farmer)).toBe(false);
  });

  it('lets an admin change anyone but itself, and no screen change an admin’s role', () => {
    expect(canChangeUser(admin, { id: 'u-a2', role: 'admin' })).toBe(true);
    expect(canChangeRole(admin, { id: 'u-a2', role: 'admin' })).toBe(false);
    expect(canChangeRole(admin, farmer)).toBe(true);
    expect(canChangeUser(admin, admin)).toBe(false);
  });

  it('offers admin only to admins', () => {
    expect(assignableRoles('coop_manager')).not.toContain('admin');
    expect(assignableRoles('admin')).toContain('admin');
  });

  it('knows when a role change drops a farmer’s farms', () => {
    const user: User = { ...farmer, name: 'An', cooperativeId: 'c', email: null, phone: null, farmIds: ['farm-1'], disabled: false };
    expect(losesAccess(user, 'extension_officer')).toBe(true);
    expect(losesAccess(user, 'farmer')).toBe(false);
    expect(losesAccess({ ...user, farmIds: [] }, 'extension_officer')).toBe(false);
  });
});
