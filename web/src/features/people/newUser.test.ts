import { describe, expect, it } from 'vitest';
import type { Farm } from '../../api/types.ts';
import { newUserFrom, type UserForm } from './newUser.ts';

const farms: Farm[] = [{ id: 'farm-2', cooperativeId: 'coop-1', name: 'Trại B', greenhouseIds: [] }];
const form: UserForm = {
  name: ' Lê Văn Cường ',
  phone: ' 0912 345 678 ',
  email: '',
  password: 'dua-luoi-2026',
  role: 'farmer',
  farmId: 'farm-2',
};

describe('new user form', () => {
  it('builds a farmer with a phone, trimmed, on the chosen farm', () => {
    expect(newUserFrom(form, farms, false)).toEqual({
      ok: true,
      user: { name: 'Lê Văn Cường', role: 'farmer', password: 'dua-luoi-2026', phone: '0912 345 678', farmIds: ['farm-2'] },
    });
  });

  it('gives an admin’s request the farm’s cooperative', () => {
    const result = newUserFrom(form, farms, true);
    expect(result.ok && result.user.cooperativeId).toBe('coop-1');
  });

  it('puts no one but a farmer on a farm', () => {
    const result = newUserFrom({ ...form, role: 'extension_officer' }, farms, false);
    expect(result.ok && result.user.farmIds).toBeUndefined();
  });

  it('takes an email instead of a phone', () => {
    const result = newUserFrom({ ...form, phone: '', email: 'cuong@example.vn', farmId: '' }, farms, false);
    expect(result).toEqual({
      ok: true,
      user: { name: 'Lê Văn Cường', role: 'farmer', password: 'dua-luoi-2026', email: 'cuong@example.vn' },
    });
  });

  it('refuses what the browser lets through', () => {
    const error = (change: Partial<UserForm>) => {
      const result = newUserFrom({ ...form, ...change }, farms, false);
      return result.ok ? undefined : result.error;
    };
    expect(error({ name: '   ' })).toBe('people.error.name');
    expect(error({ phone: ' ', email: '' })).toBe('people.error.contact');
    expect(error({ phone: '09x' })).toBe('people.error.phone');
    expect(error({ password: 'short' })).toBe('people.error.password');
  });
});
