/** Dark, saturated and told apart by colour-blind eyes too; legible on white in direct sun. */
const SERIES_COLORS = ['#c2410c', '#1d4ed8', '#047857', '#7e22ce', '#be185d', '#0e7490', '#854d0e'];

/** The colour of the `index`-th metric of a chart, the same in its legend and its lines. */
export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length] as string;
}
