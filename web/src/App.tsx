import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './components/LanguageSwitch.tsx';
import { Link } from './components/Link.tsx';
import { LiveStatus } from './components/LiveStatus.tsx';
import { LogoutButton } from './components/LogoutButton.tsx';
import { MainNav } from './components/MainNav.tsx';
import { Loading, Notice } from './components/StatusView.tsx';
import { CooperativeProvider, useCooperative } from './cooperative.tsx';
import { GreenhousePage } from './features/greenhouse/GreenhousePage.tsx';
import { LoginPage } from './features/login/LoginPage.tsx';
import { OverviewPage } from './features/overview/OverviewPage.tsx';
import { PeoplePage } from './features/people/PeoplePage.tsx';
import { parseRoute, useLocation } from './router.ts';
import { SessionProvider, useSession } from './session.tsx';

function AppBar() {
  const { t } = useTranslation();
  const { data } = useCooperative();
  return (
    <header className="app-bar">
      <Link className="brand" href="/">
        <span className="brand-name">{t('app.name')}</span>
        {data?.cooperative && <span className="brand-coop">{data.cooperative.name}</span>}
      </Link>
      <div className="app-bar-tools">
        <LiveStatus />
        <LanguageSwitch />
        <LogoutButton />
      </div>
    </header>
  );
}

function Screen() {
  const { t } = useTranslation();
  const route = parseRoute(useLocation().pathname);
  switch (route.name) {
    case 'overview':
      return <OverviewPage />;
    case 'greenhouse':
      // Keyed so another greenhouse starts from a clean slate instead of showing the previous one's data.
      return <GreenhousePage key={route.id} id={route.id} />;
    case 'people':
      return <PeoplePage />;
    case 'notFound':
      return (
        <Notice>
          <p>{t('state.pageNotFound')}</p>
          <Link href="/">{t('state.home')}</Link>
        </Notice>
      );
  }
}

/** Nothing of the cooperative loads before a session exists: the data is the server's to refuse. */
function Gate() {
  const { state } = useSession();
  if (state.status === 'checking') return <Loading />;
  if (state.status === 'anonymous') return <LoginPage />;
  return (
    <CooperativeProvider>
      <AppBar />
      <MainNav />
      <main id="main">
        <Screen />
      </main>
    </CooperativeProvider>
  );
}

export function App() {
  return (
    <SessionProvider>
      <Gate />
    </SessionProvider>
  );
}
