import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from '../i18n/index.ts';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <fieldset className="lang-switch">
      <legend className="visually-hidden">{t('lang.label')}</legend>
      {LANGUAGES.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          aria-pressed={i18n.language === lang}
          title={t(`lang.${lang}`)}
          onClick={() => setLanguage(lang)}
        >
          {lang.toUpperCase()}
        </button>
      ))}
    </fieldset>
  );
}
