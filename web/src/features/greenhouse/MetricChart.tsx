/**
 * The Recharts part of a chart card, loaded on demand: Recharts is most of the app's weight and
 * the overview never needs it. One panel per unit, since °C and % cannot share an axis.
 */
import { metricSpec } from '@canopy/core';
import { memo, useMemo } from 'react';
import { Area, CartesianGrid, ComposedChart, Line, Tooltip, type TooltipContentProps, XAxis, YAxis } from 'recharts';
import { formatMetric, formatTick } from '../../format/number.ts';
import { axisTimeFormat, dateTimeFormat, timeTicks } from '../../format/time.ts';
import { useMetricLabel } from '../../metrics/useMetricLabel.ts';
import { type ChartRow, gapThresholdMs, hasSpread, niceTicks, toChartRows } from './chartRows.ts';
import { seriesColor } from './colors.ts';
import type { GroupData } from './series.ts';

export interface MetricChartProps {
  /** The chart's metric keys in legend order. */
  keys: readonly string[];
  group: GroupData | undefined;
  from: number;
  to: number;
  stepMs: number;
  locale: string;
  timeZone: string;
}

interface DrawnSeries {
  key: string;
  color: string;
  rows: ChartRow[];
  band: boolean;
}

function MetricChart({ keys, group, from, to, stepMs, locale, timeZone }: MetricChartProps) {
  const panels = useMemo(() => {
    const gap = gapThresholdMs(stepMs);
    const byUnit = new Map<string, DrawnSeries[]>();
    keys.forEach((key, i) => {
      const points = group?.series[key]?.points ?? [];
      const unit = metricSpec(key)?.unit ?? '';
      byUnit.set(unit, [
        ...(byUnit.get(unit) ?? []),
        { key, color: seriesColor(i), rows: toChartRows(points, gap), band: hasSpread(points) },
      ]);
    });
    return [...byUnit];
  }, [keys, group, stepMs]);

  const height = panels.length > 1 ? 150 : 200;
  return (
    <>
      {panels.map(([unit, series]) => (
        <Panel key={unit} unit={unit} series={series} from={from} to={to} locale={locale} timeZone={timeZone} height={height} />
      ))}
    </>
  );
}

interface PanelProps {
  unit: string;
  series: DrawnSeries[];
  from: number;
  to: number;
  locale: string;
  timeZone: string;
  height: number;
}

function Panel({ unit, series, from, to, locale, timeZone, height }: PanelProps) {
  const ticks = useMemo(() => timeTicks(from, to, timeZone), [from, to, timeZone]);
  const axisTime = useMemo(() => axisTimeFormat(to - from, locale, timeZone), [from, to, locale, timeZone]);
  const valueTicks = useMemo(() => {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const s of series) {
      for (const row of s.rows) {
        if (row.t < from || row.mean === null) continue;
        const [lo, hi] = s.band && row.band ? row.band : [row.mean, row.mean];
        min = Math.min(min, lo);
        max = Math.max(max, hi);
      }
    }
    return niceTicks(min, max);
  }, [series, from]);
  return (
    <div className="chart-panel">
      {unit && unit !== 'pH' && <span className="chart-unit">{unit}</span>}
      <ComposedChart responsive style={{ width: '100%', height }} margin={{ top: 18, right: 10, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="#d6d3d1" vertical={false} />
        <XAxis
          dataKey="t"
          type="number"
          domain={[from, to]}
          ticks={ticks}
          tickFormatter={(t: number) => axisTime.format(t)}
          allowDataOverflow
          stroke="#44403c"
          tick={{ fill: '#1c1917', fontSize: 12 }}
        />
        <YAxis
          width={44}
          domain={valueTicks.length > 0 ? [valueTicks[0] as number, valueTicks[valueTicks.length - 1] as number] : ['auto', 'auto']}
          ticks={valueTicks}
          allowDataOverflow
          tickFormatter={(v: number) => formatTick(v, locale)}
          stroke="#44403c"
          tick={{ fill: '#1c1917', fontSize: 12 }}
        />
        <Tooltip content={(props) => <ChartTooltip {...props} locale={locale} timeZone={timeZone} />} isAnimationActive={false} />
        {series.map(
          (s) =>
            s.band && (
              <Area
                key={`${s.key}:band`}
                data={s.rows}
                dataKey="band"
                name={`${s.key}:band`}
                stroke="none"
                fill={s.color}
                fillOpacity={0.16}
                activeDot={false}
                isAnimationActive={false}
              />
            ),
        )}
        {series.map((s) => (
          <Line
            key={s.key}
            data={s.rows}
            dataKey="mean"
            name={s.key}
            stroke={s.color}
            strokeWidth={2}
            // A lone reading between gaps would be invisible as a line.
            dot={s.rows.length < 3 ? { r: 3, fill: s.color } : false}
            activeDot={{ r: 4 }}
            isAnimationActive={false}
          />
        ))}
      </ComposedChart>
    </div>
  );
}

function ChartTooltip({ active, payload, label, locale, timeZone }: TooltipContentProps & { locale: string; timeZone: string }) {
  const metricLabel = useMetricLabel();
  if (!active || !payload?.length || typeof label !== 'number') return null;
  const lines = payload.filter((p) => typeof p.name === 'string' && !p.name.endsWith(':band') && typeof p.value === 'number');
  if (lines.length === 0) return null;
  return (
    <div className="chart-tooltip">
      <div className="chart-tooltip-time">{dateTimeFormat(locale, timeZone).format(label)}</div>
      {lines.map((p) => (
        <div key={String(p.name)} style={{ color: p.color }}>
          {metricLabel(String(p.name))}: <strong>{formatMetric(String(p.name), p.value as number, locale)}</strong>
        </div>
      ))}
    </div>
  );
}

export default memo(MetricChart);
