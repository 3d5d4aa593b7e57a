import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError } from '../api/client.ts';

/** What a screen shows instead of its content: loading, a failure with a retry, or an explanation. */
export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="state state--loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t('state.loading')}
    </p>
  );
}

export function ErrorView({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="state state--error" role="alert">
      <p>{error.status === 0 ? t('state.network') : t('state.error')}</p>
      {error.status !== 0 && <p className="state-detail">{error.message}</p>}
      {onRetry && (
        <button type="button" className="button" onClick={onRetry}>
          {t('state.retry')}
        </button>
      )}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}
