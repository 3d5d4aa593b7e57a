import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { login } from '../../api/auth.ts';
import { ApiError } from '../../api/client.ts';
import { LanguageSwitch } from '../../components/LanguageSwitch.tsx';
import { useSession } from '../../session.tsx';

function errorKey(err: unknown): string {
  if (!(err instanceof ApiError)) return 'login.failed';
  if (err.status === 0) return 'state.network';
  if (err.code === 'CANOPY_BAD_CREDENTIALS') return 'login.wrong';
  if (err.status === 429) return 'login.throttled';
  return 'login.failed';
}

/** Email or phone (many farmers have no email) and password. */
export function LoginPage() {
  const { t } = useTranslation();
  const { loggedIn } = useSession();
  const [identifier, setIdentifier] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      loggedIn(await login(identifier, password));
    } catch (err) {
      setError(errorKey(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <div className="login-tools">
        <LanguageSwitch />
      </div>
      <form className="login-form" onSubmit={submit} data-testid="login-form">
        <h1>{t('app.name')}</h1>
        <label>
          {t('login.identifier')}
          <input
            name="identifier"
            autoComplete="username"
            inputMode="email"
            required
            value={identifier}
            onChange={(e) => setIdentifier(e.target.value)}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p className="login-error" role="alert">
            {t(error)}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          {t('login.submit')}
        </button>
      </form>
    </main>
  );
}
