import { lazy, memo, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import type { LatestReading } from '../../api/types.ts';
import { formatMetric } from '../../format/number.ts';
import type { GroupId } from '../../metrics/groups.ts';
import { useMetricLabel } from '../../metrics/useMetricLabel.ts';
import { seriesColor } from './colors.ts';
import type { GroupData } from './series.ts';

const MetricChart = lazy(() => import('./MetricChart.tsx'));

export interface ChartCardProps {
  id: GroupId;
  keys: readonly string[];
  group: GroupData | undefined;
  latest: Readonly<Record<string, LatestReading>>;
  liveCount: number;
  from: number;
  to: number;
  stepMs: number;
  locale: string;
  timeZone: string;
}

/** A chart with its title and legend; the legend shows current values while the chart code is still loading. */
function ChartCard({ id, keys, group, latest, liveCount, ...chart }: ChartCardProps) {
  const { t } = useTranslation();
  const metricLabel = useMetricLabel();
  const empty = !keys.some((k) => (group?.series[k]?.points.length ?? 0) > 0);
  return (
    <section
      className="chart-card"
      data-testid={`chart-${id}`}
      data-live-count={liveCount}
      data-last-ts={group?.lastTs}
      aria-labelledby={`chart-${id}-title`}
    >
      <h3 id={`chart-${id}-title`}>{t(`group.${id}`)}</h3>
      <ul className="legend">
        {keys.map((key, i) => {
          const value = latest[key]?.value ?? group?.series[key]?.points.at(-1)?.[1];
          return (
            <li key={key}>
              <span className="swatch" style={{ background: seriesColor(i) }} aria-hidden="true" />
              <span className="legend-label">{metricLabel(key)}</span>
              {value !== undefined && <strong className="legend-value">{formatMetric(key, value, chart.locale)}</strong>}
            </li>
          );
        })}
      </ul>
      {empty ? (
        <p className="chart-empty">{t('chart.noData')}</p>
      ) : (
        <Suspense fallback={<div className="chart-placeholder">{t('chart.loading')}</div>}>
          <MetricChart keys={keys} group={group} {...chart} />
        </Suspense>
      )}
    </section>
  );
}

export default memo(ChartCard);
