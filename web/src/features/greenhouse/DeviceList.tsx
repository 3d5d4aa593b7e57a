import { useTranslation } from 'react-i18next';
import type { Device } from '../../api/types.ts';
import { useNow } from '../../components/useNow.ts';
import { formatAgo } from '../../format/time.ts';

export function DeviceList({ devices }: { devices: readonly Device[] }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  if (devices.length === 0) return <p className="muted">{t('greenhouse.noDevices')}</p>;
  return (
    <ul className="device-list">
      {devices.map((d) => (
        <li
          key={d.id}
          className={d.online ? 'device device--online' : 'device device--offline'}
          data-device-id={d.id}
          data-online={d.online}
        >
          <span className="dot" aria-hidden="true" />
          <span className="device-name">{d.name}</span>
          <span className="device-state">{t(d.online ? 'device.online' : 'device.offline')}</span>
          <span className="device-seen">
            {d.lastSeen === null
              ? t('device.neverSeen')
              : t('device.lastSeen', { ago: formatAgo(d.lastSeen, now, i18n.language, t('time.justNow')) })}
          </span>
        </li>
      ))}
    </ul>
  );
}
