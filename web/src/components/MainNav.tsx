import { useTranslation } from 'react-i18next';
import { canSeePeople } from '../features/people/rights.ts';
import { PEOPLE_PATH, parseRoute, useLocation } from '../router.ts';
import { useSession } from '../session.tsx';
import { Link } from './Link.tsx';

/** The screens besides the overview; a farmer has none, so it gets no bar at all. */
export function MainNav() {
  const { t } = useTranslation();
  const { state } = useSession();
  const route = parseRoute(useLocation().pathname).name;
  if (state.status !== 'user' || !canSeePeople(state.me.user.role)) return null;
  return (
    <nav className="main-nav" aria-label={t('nav.label')}>
      <Link href="/" aria-current={route === 'overview' ? 'page' : undefined}>
        {t('nav.overview')}
      </Link>
      <Link href={PEOPLE_PATH} data-testid="nav-people" aria-current={route === 'people' ? 'page' : undefined}>
        {t('nav.people')}
      </Link>
    </nav>
  );
}
