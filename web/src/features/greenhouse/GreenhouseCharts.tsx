import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { LatestReading } from '../../api/types.ts';
import { ErrorView, Loading, Notice } from '../../components/StatusView.tsx';
import { useTimeZone } from '../../cooperative.tsx';
import { groupKeys, groupOf } from '../../metrics/groups.ts';
import { navigate, useLocation } from '../../router.ts';
import ChartCard from './ChartCard.tsx';
import { RangePicker } from './RangePicker.tsx';
import { DEFAULT_RANGE, isRangeId, RANGES, type RangeId } from './ranges.ts';
import { useChartData } from './useChartData.ts';

/** The window's end moves in steps of 1/60 of its span, so a live reading redraws its own chart, not every chart. */
const WINDOW_STEPS = 60;

interface Props {
  greenhouseId: string;
  latest: Readonly<Record<string, LatestReading>>;
  reconnects: number;
}

/** The range picker and one chart per metric group; the range lives in the URL (`?range=24h`) so it survives a reload or a shared link. */
export function GreenhouseCharts({ greenhouseId, latest, reconnects }: Props) {
  const { t, i18n } = useTranslation();
  const timeZone = useTimeZone();
  const param = new URLSearchParams(useLocation().search).get('range');
  const range: RangeId = isRangeId(param) ? param : DEFAULT_RANGE;

  // History is asked for the charted metrics the greenhouse has reported; as a string the list stays put across live updates.
  const latestKeys = Object.keys(latest).filter(groupOf).sort().join(',');
  const metricKeys = useMemo(() => latestKeys.split(',').filter(Boolean), [latestKeys]);
  const charts = useChartData(greenhouseId, range, metricKeys, reconnects);
  // Data of the previous range is not shown under the new one's button.
  const data = charts.data?.windowMs === RANGES[range].ms ? charts.data : undefined;

  // A metric can also turn up only live or only in history; whatever has something to show gets its chart.
  const seriesKeys = Object.values(data?.groups ?? {}).flatMap((g) => Object.keys(g?.series ?? {}));
  const allKeys = [...new Set([...metricKeys, ...seriesKeys])].sort().join(',');
  const groups = useMemo(() => groupKeys(allKeys.split(',').filter(Boolean)), [allKeys]);

  const quantum = data ? data.windowMs / WINDOW_STEPS : 1;
  const to = data ? Math.ceil(data.to / quantum) * quantum : 0;

  return (
    <section aria-labelledby="charts-title" className="charts" aria-busy={charts.loading}>
      <div className="charts-bar">
        <h2 id="charts-title" className="section-title">
          {t('greenhouse.charts')}
        </h2>
        <RangePicker value={range} onChange={(r) => navigate(r === DEFAULT_RANGE ? location.pathname : `?range=${r}`, { replace: true })} />
        {data && (
          <a
            className="export-link"
            data-testid="export-csv"
            download
            href={`/api/greenhouses/${encodeURIComponent(greenhouseId)}/export.csv?${new URLSearchParams({
              from: String(data.to - data.windowMs),
              to: String(data.to),
              resolution: RANGES[range].exportAs,
            })}`}
          >
            {t('greenhouse.exportCsv')}
          </a>
        )}
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
  );
}
