/**
 * What the screen offers whom, mirroring the API's rules (api/src/routes/users.ts) so no control is
 * drawn that could only answer 403. The API still decides; these only decide what to render.
 */
import type { Role, User } from '../../api/types.ts';

interface Person {
  readonly id: string;
  readonly role: Role;
}

/** Farmers see their own farms on the overview; the people of the cooperative are not theirs to list. */
export const canSeePeople = (role: Role) => role !== 'farmer';

/** Extension officers read only. */
export const canManagePeople = (role: Role) => role === 'admin' || role === 'coop_manager';

/** Role and disabled state: nobody changes its own, and a manager never touches an admin. */
export function canChangeUser(me: Person, target: Person): boolean {
  if (!canManagePeople(me.role) || me.id === target.id) return false;
  return me.role === 'admin' || target.role !== 'admin';
}

/** An admin made anything else needs a cooperative chosen, which this screen does not offer. */
export const canChangeRole = (me: Person, target: Person) => canChangeUser(me, target) && target.role !== 'admin';

/** Only an admin grants admin. */
export function assignableRoles(role: Role): Role[] {
  const roles: Role[] = ['farmer', 'coop_manager', 'extension_officer'];
  return role === 'admin' ? [...roles, 'admin'] : roles;
}

/** Changes that take access away are confirmed first: a slip of the thumb on a phone should not lock a farmer out. */
export const losesAccess = (user: User, nextRole: Role) => user.role === 'farmer' && nextRole !== 'farmer' && user.farmIds.length > 0;
