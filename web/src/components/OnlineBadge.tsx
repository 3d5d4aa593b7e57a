import { useTranslation } from 'react-i18next';
import type { Device } from '../api/types.ts';
import { availabilityOf } from '../realtime/availability.ts';
import { useNow } from './useNow.ts';

/** Green when every device reports, amber when some do, red when none does; a stale device does not count. */
export function OnlineBadge({ devices }: { devices: readonly Device[] }) {
  const { t } = useTranslation();
  const now = useNow();
  const online = devices.filter((d) => availabilityOf(d, now) === 'online').length;
  const level = devices.length > 0 && online === devices.length ? 'ok' : online > 0 ? 'partial' : 'none';
  return (
    <span className={`online-badge online-badge--${level}`} data-online={online} data-total={devices.length}>
      <span className="dot" aria-hidden="true" />
      {t('overview.devicesOnline', { online, total: devices.length })}
    </span>
  );
}
