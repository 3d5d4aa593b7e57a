import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client.ts';
import { actionErrorKey } from './actionError.ts';

export function ActionError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (error === undefined) return null;
  return (
    <div className="action-error" role="alert" data-testid="action-error">
      <p>{t(actionErrorKey(error))}</p>
      {error instanceof ApiError && error.status !== 0 && (
        <p className="state-detail">
          <code>{error.code}</code> {error.message}
        </p>
      )}
    </div>
  );
}
