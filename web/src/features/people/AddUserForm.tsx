import { type FormEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createUser } from '../../api/people.ts';
import type { Farm, Role } from '../../api/types.ts';
import { ActionError } from './ActionError.tsx';
import { newUserFrom, type UserForm } from './newUser.ts';
import { assignableRoles } from './rights.ts';
import { useAction } from './useAction.ts';

const EMPTY: UserForm = { name: '', phone: '', email: '', password: '', role: 'farmer', farmId: '' };

/** A new account, a farmer by default and put on a farm at once; the manager hands over the initial password. */
export function AddUserForm({ farms, myRole, reload }: { farms: readonly Farm[]; myRole: Role; reload: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const { busy, error, run } = useAction(reload);
  const [form, setForm] = useState(EMPTY);
  const [invalid, setInvalid] = useState<string>();
  const [added, setAdded] = useState<string>();
  const set = (field: keyof UserForm) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAdded(undefined);
    const result = newUserFrom(form, farms, myRole === 'admin');
    setInvalid(result.ok ? undefined : result.error);
    if (!result.ok) return;
    if (await run(() => createUser(result.user))) {
      setAdded(result.user.name);
      setForm(EMPTY);
    }
  }

  return (
    <details className="panel add-user">
      <summary data-testid="add-user-open">{t('people.addPerson')}</summary>
      <form className="stacked-form" data-testid="add-user-form" onSubmit={submit}>
        <label>
          {t('people.name')}
          <input name="name" required maxLength={120} autoComplete="off" value={form.name} onChange={set('name')} />
        </label>
        <label>
          {t('people.phone')}
          <input name="phone" type="tel" inputMode="tel" autoComplete="off" value={form.phone} onChange={set('phone')} />
        </label>
        <label>
          {t('people.email')}
          <input name="email" type="email" autoComplete="off" value={form.email} onChange={set('email')} />
        </label>
        <p className="muted form-hint">{t('people.contactHint')}</p>
        <label>
          {t('people.initialPassword')}
          {/* Shown, not masked: the manager reads it out to the farmer, who may change it later. */}
          <input
            name="password"
            type="text"
            required
            minLength={8}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-password`}
            value={form.password}
            onChange={set('password')}
          />
        </label>
        <p id={`${id}-password`} className="muted form-hint">
          {t('people.passwordHint')}
        </p>
        <label>
          {t('people.role')}
          <select name="role" value={form.role} onChange={set('role')}>
            {assignableRoles(myRole).map((role) => (
              <option key={role} value={role}>
                {t(`role.${role}`)}
              </option>
            ))}
          </select>
        </label>
        {form.role === 'farmer' && (
          <label>
            {t('people.farm')}
            <select name="farm" value={form.farmId} onChange={set('farmId')}>
              <option value="">{t('people.noFarm')}</option>
              {farms.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {invalid && (
          <p className="action-error" role="alert">
            {t(invalid)}
          </p>
        )}
        <ActionError error={error} />
        {added && (
          <p className="form-done" role="status">
            {t('people.added', { name: added })}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {t('people.create')}
        </button>
      </form>
    </details>
  );
}
