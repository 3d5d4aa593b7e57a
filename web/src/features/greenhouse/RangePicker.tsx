import { useTranslation } from 'react-i18next';
import { RANGES, type RangeId } from './ranges.ts';

export function RangePicker({ value, onChange }: { value: RangeId; onChange: (range: RangeId) => void }) {
  const { t } = useTranslation();
  return (
    <fieldset className="range-picker">
      <legend className="visually-hidden">{t('range.label')}</legend>
      {(Object.keys(RANGES) as RangeId[]).map((range) => (
        <button key={range} type="button" aria-pressed={range === value} data-range={range} onClick={() => onChange(range)}>
          {t(`range.${range}`)}
        </button>
      ))}
    </fieldset>
  );
}
