import { describe, expect, it } from 'vitest';
import { hashPassword, randomPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('verifies scrypt hashes, salted per password', async () => {
    const hash = await hashPassword('mật khẩu dưa lưới');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(hash).not.toBe(await hashPassword('mật khẩu dưa lưới'));
    expect(await verifyPassword('mật khẩu dưa lưới', hash)).toBe(true);
    expect(await verifyPassword('mat khau', hash)).toBe(false);
    expect(await verifyPassword('x', 'plaintext')).toBe(false);
  });

  it('makes up 16-character passwords', () => {
    expect(randomPassword()).toMatch(/^[A-Za-z2-9]{16}$/);
  });
});
