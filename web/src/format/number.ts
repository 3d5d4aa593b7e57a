import { metricSpec } from '@canopy/core';

const formatters = new Map<string, Intl.NumberFormat>();

/** `27,5` in vi, `27.5` in en; Intl formatters are costly to build, so they are kept per locale and precision. */
export function formatNumber(value: number, decimals: number, locale: string): string {
  const id = `${locale}|${decimals}`;
  let nf = formatters.get(id);
  if (!nf) {
    // signDisplay 'negative' keeps a rounded -0.04 from showing as "-0,0".
    nf = new Intl.NumberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals, signDisplay: 'negative' });
    formatters.set(id, nf);
  }
  return nf.format(value);
}

/** Units written against the number; the others get a no-break space, and pH needs none (its label says it). */
const ATTACHED_UNITS = new Set(['%', '°C']);

export function formatUnit(formatted: string, unit: string): string {
  if (unit === 'pH' || unit === '') return formatted;
  return ATTACHED_UNITS.has(unit) ? `${formatted}${unit}` : `${formatted}\u00a0${unit}`;
}

/** A reading with the precision and unit of its metric; unknown keys get two decimals and no unit. */
export function formatMetric(key: string, value: number, locale: string): string {
  const spec = metricSpec(key);
  return formatUnit(formatNumber(value, spec?.decimals ?? 2, locale), spec?.unit ?? '');
}

const tickFormatters = new Map<string, Intl.NumberFormat>();

/** Axis ticks: as many decimals as the tick needs, up to two (`20`, `1,5`, `0,25`). */
export function formatTick(value: number, locale: string): string {
  let nf = tickFormatters.get(locale);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    tickFormatters.set(locale, nf);
  }
  return nf.format(value);
}
