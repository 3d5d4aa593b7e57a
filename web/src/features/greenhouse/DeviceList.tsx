import { useTranslation } from 'react-i18next';
import type { Device } from '../../api/types.ts';
import { useNow } from '../../components/useNow.ts';
import { formatAgo } from '../../format/time.ts';
import { availabilityOf } from '../../realtime/availability.ts';

export function DeviceList({ devices }: { devices: readonly Device[] }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  if (devices.length === 0) return <p className="muted">{t('greenhouse.noDevices')}</p>;
  return (
    <ul className="device-list">
      {devices.map((d) => {
        const state = availabilityOf(d, now);
        return (
          <li key={d.id} className={`device device--${state}`} data-device-id={d.id} data-online={d.online} data-state={state}>
            <span className="dot" aria-hidden="true" />
            <span className="device-name">{d.name}</span>
            <span className="device-state">{t(`device.${state}`)}</span>
            <span className="device-seen">
              {d.lastSeen === null
                ? t('device.neverSeen')
                : t('device.lastSeen', { ago: formatAgo(d.lastSeen, now, i18n.language, t('time.justNow')) })}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
