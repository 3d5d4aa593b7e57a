import { describe, expect, it } from 'vitest';
import { normalizeEmail, normalizePhone } from './users.ts';

describe('login identifiers', () => {
  it('compares phones by digits, with +84 as the national 0', () => {
    expect(normalizePhone('+84 912 345 678')).toBe('0912345678');
    expect(normalizePhone('0912.345.678')).toBe('0912345678');
    expect(normalizePhone('+1 555 0100')).toBe('+15550100');
  });

  it('compares emails case-insensitively', () => {
    expect(normalizeEmail(' An@Example.VN ')).toBe('an@example.vn');
  });
});
