import { useTranslation } from 'react-i18next';
import { updateUser } from '../../api/people.ts';
import type { Role, User } from '../../api/types.ts';
import { ActionError } from './ActionError.tsx';
import { assignableRoles, canChangeRole, canChangeUser, losesAccess } from './rights.ts';
import { useAction } from './useAction.ts';

interface Props {
  user: User;
  me: { id: string; role: Role };
  farmNames: ReadonlyMap<string, string>;
  reload: () => void;
}

/** One person: role, contact and farms; a manager changes the role or disables and re-enables the account. */
export function UserRow({ user, me, farmNames, reload }: Props) {
  const { t } = useTranslation();
  const { busy, error, run } = useAction(reload);
  const detail = [
    t(`role.${user.role}`),
    user.phone,
    user.email,
    ...user.farmIds.map((id) => farmNames.get(id)).filter((name) => name !== undefined),
  ].filter(Boolean);

  function changeRole(role: Role) {
    const question = losesAccess(user, role) ? 'people.confirmRoleFarms' : 'people.confirmRole';
    if (!confirm(t(question, { name: user.name, role: t(`role.${role}`) }))) return;
    void run(() => updateUser(user.id, { role }));
  }

  function toggleDisabled() {
    if (!user.disabled && !confirm(t('people.confirmDisable', { name: user.name }))) return;
    void run(() => updateUser(user.id, { disabled: !user.disabled }));
  }

  return (
    <li className={user.disabled ? 'person person--disabled' : 'person'} data-testid="user-row" data-user-id={user.id}>
      <p className="person-name">
        {user.name}
        {user.id === me.id && <span className="tag">{t('people.you')}</span>}
        {user.disabled && <span className="tag tag--bad">{t('people.disabled')}</span>}
      </p>
      <p className="muted person-detail">{detail.join(' · ')}</p>
      {canChangeUser(me, user) && (
        <div className="person-actions">
          {canChangeRole(me, user) && (
            <label>
              <span className="visually-hidden">{t('people.roleOf', { name: user.name })}</span>
              <select data-testid="role-select" value={user.role} disabled={busy} onChange={(e) => changeRole(e.target.value as Role)}>
                {assignableRoles(me.role).map((role) => (
                  <option key={role} value={role}>
                    {t(`role.${role}`)}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="button-quiet" data-testid="toggle-disabled" disabled={busy} onClick={toggleDisabled}>
            {user.disabled ? t('people.enable') : t('people.disable')}
          </button>
        </div>
      )}
      <ActionError error={error} />
    </li>
  );
}
