import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchGreenhouse } from '../../api/greenhouses.ts';
import { useApi } from '../../api/useApi.ts';
import { Link } from '../../components/Link.tsx';
import { ErrorView, Loading, Notice } from '../../components/StatusView.tsx';
import { useTimeZone } from '../../cooperative.tsx';
import { formatNumber } from '../../format/number.ts';
import { groupKeys } from '../../metrics/groups.ts';
import { applyReadings, applyStatus } from '../../realtime/applyLive.ts';
import { useGreenhouseLive, useLiveSnapshot } from '../../realtime/useLive.ts';
import { navigate, useLocation } from '../../router.ts';
import ChartCard from './ChartCard.tsx';
import { DeviceList } from './DeviceList.tsx';
import { RangePicker } from './RangePicker.tsx';
import { DEFAULT_RANGE, isRangeId, type RangeId } from './ranges.ts';
import { useChartData } from './useChartData.ts';

/** The window's end moves in steps of 1/60 of its span, so a live reading redraws its own chart, not every chart. */
const WINDOW_STEPS = 60;

export function GreenhousePage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const timeZone = useTimeZone();
  const { search } = useLocation();
  const param = new URLSearchParams(search).get('range');
  const range: RangeId = isRangeId(param) ? param : DEFAULT_RANGE;
  const { reconnects } = useLiveSnapshot();

  const gh = useApi((signal) => fetchGreenhouse(id, signal), [id]);
  const { reload } = gh;
  const seenReconnects = useRef(reconnects);
  useEffect(() => {
    if (reconnects === seenReconnects.current) return;
    seenReconnects.current = reconnects;
    reload();
  }, [reconnects, reload]);
  useGreenhouseLive([id], {
    onReadings: (msg) => gh.update((g) => applyReadings(g, msg)),
    onStatus: (msg) => gh.update((g) => applyStatus(g, msg)),
  });

  // Charts follow the metrics the greenhouse has reported; the string keeps the list stable across live updates.
  const latestKeys = gh.data && Object.keys(gh.data.latest).sort().join(',');
  const metricKeys = useMemo(() => latestKeys?.split(',').filter(Boolean), [latestKeys]);
  const charts = useChartData(id, range, metricKeys, reconnects);

  // A metric may also turn up live or only in history; every key with something to show gets its chart.
  const seriesKeys = Object.values(charts.data?.groups ?? {}).flatMap((g) => Object.keys(g?.series ?? {}));
  const allKeys = [...new Set([...(metricKeys ?? []), ...seriesKeys])].sort().join(',');
  const groups = useMemo(() => groupKeys(allKeys.split(',').filter(Boolean)), [allKeys]);

  if (gh.error && !gh.data) {
    return gh.error.status === 404 ? (
      <Notice>
        <p>{t('state.notFound')}</p>
        <Link href="/">{t('state.home')}</Link>
      </Notice>
    ) : (
      <ErrorView error={gh.error} onRetry={gh.reload} />
    );
  }
  if (!gh.data) return <Loading />;

  const { name, farm, areaM2, devices, latest } = gh.data;
  const data = charts.data;
  const quantum = data ? data.windowMs / WINDOW_STEPS : 1;
  const to = data ? Math.ceil(data.to / quantum) * quantum : 0;

  return (
    <>
      <Link className="back-link" href="/">
        ← {t('greenhouse.back')}
      </Link>
      <header className="page-header">
        <h1>{name}</h1>
        <p className="muted">
          {farm.name} · {t('greenhouse.area', { area: formatNumber(areaM2, 0, i18n.language) })}
        </p>
      </header>
      <section aria-labelledby="devices-title">
        <h2 id="devices-title" className="section-title">
          {t('greenhouse.devices')}
        </h2>
        <DeviceList devices={devices} />
      </section>
      <section aria-labelledby="charts-title" className="charts" aria-busy={charts.loading}>
        <div className="charts-bar">
          <h2 id="charts-title" className="section-title">
            {t('greenhouse.charts')}
          </h2>
          <RangePicker
            value={range}
            onChange={(r) => navigate(r === DEFAULT_RANGE ? location.pathname : `?range=${r}`, { replace: true })}
          />
        </div>
        {charts.error && <ErrorView error={charts.error} onRetry={charts.retry} />}
        {!data && !charts.error && <Loading />}
        {data && groups.length === 0 && <Notice>{t('greenhouse.noData')}</Notice>}
        {data &&
          groups.map((g) => (
            <ChartCard
              key={g.id}
              id={g.id}
              keys={g.keys}
              group={data.groups[g.id]}
              latest={latest}
              liveCount={charts.liveCounts[g.id] ?? 0}
              from={to - data.windowMs}
              to={to}
              stepMs={data.stepMs}
              locale={i18n.language}
              timeZone={timeZone}
            />
          ))}
      </section>
    </>
  );
}
