import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { fetchGreenhouse } from '../../api/greenhouses.ts';
import { useApi } from '../../api/useApi.ts';
import { Link } from '../../components/Link.tsx';
import { ErrorView, Loading, Notice } from '../../components/StatusView.tsx';
import { formatNumber } from '../../format/number.ts';
import { applyReadings, applyStatus } from '../../realtime/applyLive.ts';
import { useGreenhouseLive, useLiveSnapshot } from '../../realtime/useLive.ts';
import { DeviceList } from './DeviceList.tsx';
import { GreenhouseCharts } from './GreenhouseCharts.tsx';

export function GreenhousePage({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const { reconnects } = useLiveSnapshot();
  const { data, error, reload, update } = useApi((signal) => fetchGreenhouse(id, signal), [id]);

  // A reconnect may have missed status changes and readings.
  const seenReconnects = useRef(reconnects);
  useEffect(() => {
    if (reconnects === seenReconnects.current) return;
    seenReconnects.current = reconnects;
    reload();
  }, [reconnects, reload]);

  useGreenhouseLive([id], {
    onReadings: (msg) => update((g) => applyReadings(g, msg)),
    onStatus: (msg) => update((g) => applyStatus(g, msg)),
  });

  if (!data) {
    if (error?.status === 404)
      return (
        <Notice>
          <p>{t('state.notFound')}</p>
          <Link href="/">{t('state.home')}</Link>
        </Notice>
      );
    return error ? <ErrorView error={error} onRetry={reload} /> : <Loading />;
  }

  return (
    <>
      <Link className="back-link" href="/">
        ← {t('greenhouse.back')}
      </Link>
      <header className="page-header">
        <h1>{data.name}</h1>
        <p className="muted">
          {data.farm.name} · {t('greenhouse.area', { area: formatNumber(data.areaM2, 0, i18n.language) })}
        </p>
      </header>
      <section aria-labelledby="devices-title">
        <h2 id="devices-title" className="section-title">
          {t('greenhouse.devices')}
        </h2>
        <DeviceList devices={data.devices} />
      </section>
      <GreenhouseCharts greenhouseId={id} latest={data.latest} reconnects={reconnects} />
    </>
  );
}
