import type { Farm, NewUser, Role } from '../../api/types.ts';

export interface UserForm {
  name: string;
  phone: string;
  email: string;
  password: string;
  role: Role;
  /** '' for none. */
  farmId: string;
}

/** The API's pattern for a phone number (api/src/routes/users.ts). */
const PHONE = /^\+?[0-9 .-]{6,20}$/;
const MIN_PASSWORD = 8;

export type FormResult = { ok: true; user: NewUser } | { ok: false; error: string };

/**
 * Checks what the browser's own validation lets through (a blank name of spaces, neither phone nor
 * email, a malformed phone) and builds the request: a farm only for a farmer, and for an admin,
 * who belongs to no cooperative, the chosen farm's cooperative.
 */
export function newUserFrom(form: UserForm, farms: readonly Farm[], asAdmin: boolean): FormResult {
  const name = form.name.trim();
  const phone = form.phone.trim();
  const email = form.email.trim();
  if (name === '') return { ok: false, error: 'people.error.name' };
  if (phone === '' && email === '') return { ok: false, error: 'people.error.contact' };
  if (phone !== '' && !PHONE.test(phone)) return { ok: false, error: 'people.error.phone' };
  if (form.password.length < MIN_PASSWORD) return { ok: false, error: 'people.error.password' };
  const farm = form.role === 'farmer' ? farms.find((f) => f.id === form.farmId) : undefined;
  return {
    ok: true,
    user: {
      name,
      role: form.role,
      password: form.password,
      ...(phone === '' ? {} : { phone }),
      ...(email === '' ? {} : { email }),
      ...(farm ? { farmIds: [farm.id] } : {}),
      ...(asAdmin && farm ? { cooperativeId: farm.cooperativeId } : {}),
    },
  };
}
