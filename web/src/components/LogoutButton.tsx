import { useTranslation } from 'react-i18next';
import { logout } from '../api/auth.ts';

/** Ends the session, then reloads so no screen, cache or live socket of the old session survives. */
export function LogoutButton() {
  const { t } = useTranslation();
  return (
    <button
      type="button"
      className="logout"
      data-testid="logout"
      onClick={() => {
        logout().finally(() => location.assign('/'));
      }}
    >
      {t('login.logout')}
    </button>
  );
}
