import { useTranslation } from 'react-i18next';
import { useLiveSnapshot } from '../realtime/useLive.ts';

export function LiveStatus() {
  const { t } = useTranslation();
  const { state } = useLiveSnapshot();
  return (
    <span className={`live-status live-status--${state}`} data-testid="live-status" data-state={state} role="status">
      <span className="dot" aria-hidden="true" />
      {t(`live.${state}`)}
    </span>
  );
}
