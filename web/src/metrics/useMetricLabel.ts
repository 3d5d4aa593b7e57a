import { parseMetricKey } from '@canopy/core';
import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';

/** "Nhiệt độ giá thể (đầu dò 2)" for `soil_temp_c.2`; keys outside the vocabulary are shown as they are. */
export function useMetricLabel(): (key: string) => string {
  const { t } = useTranslation();
  return useCallback(
    (key: string) => {
      const parsed = parseMetricKey(key);
      if (!parsed) return key;
      const label = t(`metric.${parsed.metric}`);
      return parsed.channel === 1 ? label : t('metric.channel', { label, channel: parsed.channel });
    },
    [t],
  );
}
