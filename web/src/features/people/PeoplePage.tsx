import { useTranslation } from 'react-i18next';
import { fetchFarms, fetchUsers } from '../../api/people.ts';
import type { Role } from '../../api/types.ts';
import { useApi } from '../../api/useApi.ts';
import { Link } from '../../components/Link.tsx';
import { ErrorView, Loading, Notice } from '../../components/StatusView.tsx';
import { useSession } from '../../session.tsx';
import { AddUserForm } from './AddUserForm.tsx';
import { FarmCard } from './FarmCard.tsx';
import { canManagePeople, canSeePeople } from './rights.ts';
import { byName, farmRosters } from './roster.ts';
import { UserRow } from './UserRow.tsx';

/** Farms & people: who farms which farm, and the cooperative's accounts. Managers change them; officers read. */
export function PeoplePage() {
  const { t } = useTranslation();
  const { state } = useSession();
  const me = state.status === 'user' ? state.me.user : undefined;
  if (!me || !canSeePeople(me.role))
    return (
      <Notice>
        <p data-testid="people-forbidden">{t('people.forbidden')}</p>
        <Link href="/">{t('state.home')}</Link>
      </Notice>
    );
  return <People me={me} />;
}

function People({ me }: { me: { id: string; role: Role } }) {
  const { t, i18n } = useTranslation();
  const { data, error, loading, reload } = useApi(async (signal) => {
    const [farms, users] = await Promise.all([fetchFarms(signal), fetchUsers(signal)]);
    return { farms, users };
  }, []);
  if (!data) return error && !loading ? <ErrorView error={error} onRetry={reload} /> : <Loading />;

  const canManage = canManagePeople(me.role);
  const farmNames = new Map(data.farms.map((f) => [f.id, f.name]));
  return (
    <div className="people" data-testid="people-page" data-mode={canManage ? 'manage' : 'read'}>
      <h1 className="page-title">{t('people.title')}</h1>
      {!canManage && <p className="muted">{t('people.readOnly')}</p>}
      {canManage && <AddUserForm farms={byName(data.farms, i18n.language)} myRole={me.role} reload={reload} />}
      <h2 className="section-title">{t('people.farms')}</h2>
      {data.farms.length === 0 && <Notice>{t('people.noFarms')}</Notice>}
      <div className="panels">
        {farmRosters(data.farms, data.users, i18n.language).map((roster) => (
          <FarmCard key={roster.farm.id} roster={roster} canManage={canManage} reload={reload} />
        ))}
      </div>
      <h2 className="section-title">{t('people.people')}</h2>
      <ul className="person-list">
        {byName(data.users, i18n.language).map((user) => (
          <UserRow key={user.id} user={user} me={me} farmNames={farmNames} reload={reload} />
        ))}
      </ul>
    </div>
  );
}
