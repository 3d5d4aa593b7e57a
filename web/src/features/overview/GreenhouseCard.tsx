import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Greenhouse } from '../../api/types.ts';
import { Link } from '../../components/Link.tsx';
import { OnlineBadge } from '../../components/OnlineBadge.tsx';
import { formatMetric, formatNumber } from '../../format/number.ts';
import { formatAgo } from '../../format/time.ts';
import { compareMetricKeys, KEY_METRICS } from '../../metrics/groups.ts';
import { useMetricLabel } from '../../metrics/useMetricLabel.ts';
import { lastUpdate } from '../../realtime/applyLive.ts';
import { greenhousePath } from '../../router.ts';

/** Older than this, readings are shown as stale: a sensor that stopped is not the weather it last reported. */
const STALE_MS = 15 * 60_000;

function GreenhouseCard({ greenhouse, now }: { greenhouse: Greenhouse; now: number }) {
  const { t, i18n } = useTranslation();
  const metricLabel = useMetricLabel();
  const locale = i18n.language;
  const { id, name, areaM2, devices, latest } = greenhouse;
  const keyMetrics = KEY_METRICS.filter((m) => latest[m]);
  const others = Object.keys(latest)
    .filter((k) => !keyMetrics.includes(k as (typeof KEY_METRICS)[number]))
    .sort(compareMetricKeys);
  const updated = lastUpdate(greenhouse);
  const stale = updated === undefined || now - updated > STALE_MS;

  return (
    <article className={stale ? 'card card--stale' : 'card'} data-testid="greenhouse-card" data-greenhouse-id={id}>
      <Link className="card-link" href={greenhousePath(id)} aria-label={t('overview.open', { name })}>
        <div className="card-head">
          <h3>{name}</h3>
          <span className="muted">{t('greenhouse.area', { area: formatNumber(areaM2, 0, locale) })}</span>
        </div>
        <OnlineBadge devices={devices} />
        {keyMetrics.length > 0 && (
          <dl className="key-readings">
            {keyMetrics.map((m) => (
              <div key={m} data-metric={m}>
                <dt>{metricLabel(m)}</dt>
                <dd>{formatMetric(m, latest[m]?.value ?? 0, locale)}</dd>
              </div>
            ))}
          </dl>
        )}
        {others.length > 0 && (
          <dl className="other-readings">
            {others.map((k) => (
              <div key={k} data-metric={k}>
                <dt>{metricLabel(k)}</dt>
                <dd>{formatMetric(k, latest[k]?.value ?? 0, locale)}</dd>
              </div>
            ))}
          </dl>
        )}
        <p className="card-updated">
          {updated === undefined ? t('time.noData') : t('time.updated', { ago: formatAgo(updated, now, locale, t('time.justNow')) })}
        </p>
      </Link>
    </article>
  );
}

export default memo(GreenhouseCard);
