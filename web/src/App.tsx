import { useTranslation } from 'react-i18next';
import { LanguageSwitch } from './components/LanguageSwitch.tsx';
import { Link } from './components/Link.tsx';
import { LiveStatus } from './components/LiveStatus.tsx';
import { Notice } from './components/StatusView.tsx';
import { CooperativeProvider, useCooperative } from './cooperative.tsx';
import { GreenhousePage } from './features/greenhouse/GreenhousePage.tsx';
import { OverviewPage } from './features/overview/OverviewPage.tsx';
import { parseRoute, useLocation } from './router.ts';

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
    case 'notFound':
      return (
        <Notice>
          <p>{t('state.pageNotFound')}</p>
          <Link href="/">{t('state.home')}</Link>
        </Notice>
      );
  }
}

export function App() {
  return (
    <CooperativeProvider>
      <AppBar />
      <main id="main">
        <Screen />
      </main>
    </CooperativeProvider>
  );
}
