import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { addFarmMember, removeFarmMember } from '../../api/people.ts';
import type { User } from '../../api/types.ts';
import { ActionError } from './ActionError.tsx';
import type { FarmRoster } from './roster.ts';
import { useAction } from './useAction.ts';

/** A farm and who farms it; a manager adds a farmer of the cooperative or removes one. */
export function FarmCard({ roster, canManage, reload }: { roster: FarmRoster; canManage: boolean; reload: () => void }) {
  const { t } = useTranslation();
  const { farm, members, candidates } = roster;
  const { busy, error, run } = useAction(reload);
  const [chosen, setChosen] = useState('');

  function remove(member: User) {
    if (!confirm(t('people.confirmRemove', { name: member.name, farm: farm.name }))) return;
    void run(() => removeFarmMember(farm.id, member.id));
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    if (chosen === '') return;
    if (await run(() => addFarmMember(farm.id, chosen))) setChosen('');
  }

  const titleId = `farm-${farm.id}`;
  return (
    <section className="panel" data-testid="farm-card" data-farm-id={farm.id} aria-labelledby={titleId}>
      <div className="panel-head">
        <h3 id={titleId}>{farm.name}</h3>
        <span className="muted">{t('people.greenhouses', { count: farm.greenhouseIds.length })}</span>
      </div>
      {members.length === 0 ? (
        <p className="muted">{t('people.noMembers')}</p>
      ) : (
        <ul className="member-list">
          {members.map((m) => (
            <li key={m.id} data-testid="member" data-user-id={m.id}>
              <span className="member-name">
                {m.name}
                {m.disabled && <span className="tag tag--bad">{t('people.disabled')}</span>}
              </span>
              {(m.phone ?? m.email) && <span className="muted member-contact">{m.phone ?? m.email}</span>}
              {canManage && (
                <button
                  type="button"
                  className="button-quiet"
                  data-testid="remove-member"
                  disabled={busy}
                  aria-label={t('people.removeFrom', { name: m.name, farm: farm.name })}
                  onClick={() => remove(m)}
                >
                  {t('people.remove')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {canManage && candidates.length > 0 && (
        <form className="inline-form" onSubmit={add}>
          <label className="visually-hidden" htmlFor={`add-${farm.id}`}>
            {t('people.addTo', { farm: farm.name })}
          </label>
          <select id={`add-${farm.id}`} data-testid="add-member-select" value={chosen} onChange={(e) => setChosen(e.target.value)}>
            <option value="">{t('people.chooseFarmer')}</option>
            {candidates.map((c) => (
              <option key={c.id} value={c.id}>
                {c.phone ? `${c.name} (${c.phone})` : c.name}
              </option>
            ))}
          </select>
          <button type="submit" className="button" data-testid="add-member" disabled={busy || chosen === ''}>
            {t('people.add')}
          </button>
        </form>
      )}
      <ActionError error={error} />
    </section>
  );
}
