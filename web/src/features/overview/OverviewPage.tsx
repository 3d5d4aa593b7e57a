import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Greenhouse } from '../../api/types.ts';
import { ErrorView, Loading, Notice } from '../../components/StatusView.tsx';
import { useNow } from '../../components/useNow.ts';
import { useCooperative } from '../../cooperative.tsx';
import { applyReadings, applyStatus } from '../../realtime/applyLive.ts';
import { useGreenhouseLive, useLiveSnapshot } from '../../realtime/useLive.ts';
import GreenhouseCard from './GreenhouseCard.tsx';

/** Greenhouses by name ("Nhà lưới 2" before "Nhà lưới 10"), grouped by farm in the order their first greenhouse comes. */
function byFarm(greenhouses: readonly Greenhouse[], locale: string): Array<{ id: string; name: string; greenhouses: Greenhouse[] }> {
  const collator = new Intl.Collator(locale, { numeric: true });
  const farms = new Map<string, { id: string; name: string; greenhouses: Greenhouse[] }>();
  for (const gh of [...greenhouses].sort((a, b) => collator.compare(a.name, b.name))) {
    const farm = farms.get(gh.farm.id) ?? { ...gh.farm, greenhouses: [] };
    farm.greenhouses.push(gh);
    farms.set(gh.farm.id, farm);
  }
  return [...farms.values()];
}

export function OverviewPage() {
  const { t, i18n } = useTranslation();
  const { data, error, loading, reload, update } = useCooperative();
  const { reconnects } = useLiveSnapshot();
  const now = useNow();

  // Coming back from a greenhouse page the list is as old as the visit (its rooms were left): refresh it behind the cards.
  const hadData = useRef(data !== undefined);
  const seenReconnects = useRef(reconnects);
  useEffect(() => {
    if (hadData.current || reconnects !== seenReconnects.current) reload();
    hadData.current = false;
    seenReconnects.current = reconnects;
  }, [reconnects, reload]);

  useGreenhouseLive(data?.greenhouses.map((g) => g.id) ?? [], {
    onReadings: (msg) => update((list) => ({ ...list, greenhouses: list.greenhouses.map((g) => applyReadings(g, msg)) })),
    onStatus: (msg) => update((list) => ({ ...list, greenhouses: list.greenhouses.map((g) => applyStatus(g, msg)) })),
  });

  if (!data) return error && !loading ? <ErrorView error={error} onRetry={reload} /> : <Loading />;

  return (
    <>
      <h1 className="visually-hidden">{t('overview.title')}</h1>
      {data.greenhouses.length === 0 && <Notice>{t('overview.empty')}</Notice>}
      {byFarm(data.greenhouses, i18n.language).map((farm) => (
        <section key={farm.id} className="farm" aria-labelledby={`farm-${farm.id}`}>
          <h2 id={`farm-${farm.id}`} className="section-title">
            {farm.name}
          </h2>
          <div className="cards">
            {farm.greenhouses.map((gh) => (
              <GreenhouseCard key={gh.id} greenhouse={gh} now={now} />
            ))}
          </div>
        </section>
      ))}
    </>
  );
}
