/**
 * `npm run bench [-- --quick] [-- --only live,backlog]`: benchmarks, reported as ratios against
 * anchors measured in the same run, since this machine is shared and noisy. Writes a markdown
 * table to stdout and the figures to bench-results/.
 *
 * Flags: `--quick` (about a minute per bench), `--only <names>` (comma-separated: store, history,
 * reconnect, pipeline, live, backlog, outage), `--backlog-hours <h>` (default 1 in a full run; 6 is
 * the target's full size), `--backlog-persistence <sqlite|memory>` (the broker's; default sqlite, the
 * product's), `--outage` (the target's 30-minute InfluxDB outage) or
 * `--outage-minutes <n>` (default 2 in a full run; 20 s in quick mode), `--outage-max-buffered <readings>`
 * (ingest's INGEST_MAX_BUFFERED during the outage; default: ingest's default), `--pipeline-rate <msg/s>`
 * (the pipeline's offered rate; default 20,000, the target, or 5,000 in quick mode: offered above
 * the target, a run shows whether the pipeline stores more than it, which a run offered exactly
 * the target cannot, since the last batch is written after the load ends).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { startInfluxd } from '../tests/helpers/influxd.ts';
import { backlogTable, benchBacklog } from './bench/backlog.ts';
import { benchBrokerCrash, brokerCrashTable } from './bench/brokerCrash.ts';
import { benchHistory, HISTORY_COLD_SNAPSHOT_S, historyTable } from './bench/history.ts';
import { benchLiveView, liveViewTable } from './bench/liveView.ts';
import { benchOutage, outageTable } from './bench/outage.ts';
import { benchPipeline, pipelineTable } from './bench/pipeline.ts';
import { benchReconnectStorm, reconnectStormTable } from './bench/reconnectStorm.ts';
import { benchStoreWrites } from './bench/storeWrite.ts';

const BENCHES = ['store', 'history', 'reconnect', 'durability', 'pipeline', 'live', 'backlog', 'outage'] as const;
type BenchName = (typeof BENCHES)[number];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function numberFlag(name: string): number | undefined {
  const raw = flag(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} expects a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

const quick = process.argv.includes('--quick');
const only = flag('--only')?.split(',');
const unknown = only?.filter((n) => !(BENCHES as readonly string[]).includes(n)) ?? [];
if (unknown.length > 0) throw new Error(`--only: unknown bench ${unknown.join(', ')} (known: ${BENCHES.join(', ')})`);
const want = (name: BenchName) => !only || only.includes(name);
const outageMinutes = numberFlag('--outage-minutes') ?? (process.argv.includes('--outage') ? 30 : quick ? 1 / 3 : 2);
const backlogHours = numberFlag('--backlog-hours') ?? 1;
const backlogPersistence = flag('--backlog-persistence') ?? 'sqlite';
const pipelineRate = numberFlag('--pipeline-rate');
if (backlogPersistence !== 'sqlite' && backlogPersistence !== 'memory')
  throw new Error(`--backlog-persistence: sqlite or memory, not ${backlogPersistence}`);

// Seeded history goes to disk once written, as a store filled in real time holds it (see history.ts).
const influxd = existsSync('/usr/bin/influxd') ? await startInfluxd({ coldSnapshotS: HISTORY_COLD_SNAPSHOT_S }) : undefined;
const figures: Record<string, unknown> = { quick, at: new Date().toISOString() };
try {
  const lines: string[] = [];
  let influxReadingsPerS: number | undefined;
  if (want('store')) {
    const writes = await benchStoreWrites({ durationMs: quick ? 3_000 : 10_000, ...(influxd ? { influxUrl: influxd.url } : {}) });
    figures.storeWrites = writes;
    influxReadingsPerS = writes.find((w) => w.name.startsWith('InfluxDB'))?.readingsPerS;
    const anchor = writes[0];
    lines.push(
      '## Store writes (4 devices × 8 metrics, 5,000-reading batches)',
      '',
      '| store | readings/s | × anchor | event-loop lag p50 / p99 / max (ms) |',
      '| --- | ---: | ---: | --- |',
      ...writes.map(
        (w) =>
          `| ${w.name} | ${w.readingsPerS.toLocaleString('en')} | ${anchor ? (w.readingsPerS / anchor.readingsPerS).toFixed(2) : '-'} | ${w.lagP50Ms} / ${w.lagP99Ms} / ${w.lagMaxMs} |`,
      ),
    );
  }
  if (want('history')) {
    const history = await benchHistory({ quick, ...(influxd ? { influxUrl: influxd.url } : {}) });
    figures.history = history;
    lines.push('', ...historyTable(history));
  }
  if (want('reconnect')) {
    const reconnectStorm = await benchReconnectStorm({ quick });
    figures.reconnectStorm = reconnectStorm;
    lines.push('', ...reconnectStormTable(reconnectStorm));
  }
  if (want('durability')) {
    const crash = await benchBrokerCrash(quick ? { kills: 1, loadMs: 2_000 } : {});
    figures.brokerCrash = crash;
    lines.push('', ...brokerCrashTable(crash));
  }
  if (influxd) {
    if (want('pipeline')) {
      const pipelineOptions = quick
        ? { ratePerS: pipelineRate ?? 5_000, durationMs: 8_000, devices: 100 }
        : { ratePerS: pipelineRate ?? 20_000, durationMs: 30_000, devices: 200 };
      const pipeline = await benchPipeline({ influxUrl: influxd.url, ...pipelineOptions });
      figures.pipeline = pipeline;
      lines.push('', ...pipelineTable(pipeline, pipelineOptions, influxReadingsPerS));
    }
    if (want('live')) {
      const live = await benchLiveView({
        influxUrl: influxd.url,
        ratePerS: 5_000,
        greenhouses: 50,
        sockets: 500,
        // Full: each device every 300 ms, slower than the 250 ms coalescing, so a reading waits for its interval as a
        // real one would. Quick: the demo's 3 per greenhouse (one load generator, no connect wait).
        ...(quick
          ? { durationMs: 5_000, devicesPerGreenhouse: 3 }
          : { durationMs: 30_000, devicesPerGreenhouse: 30, sustainedPerS: 1_000 }),
      });
      figures.liveView = live;
      lines.push('', ...liveViewTable(live));
    }
    if (want('backlog')) {
      const backlog = await benchBacklog({
        influxUrl: influxd.url,
        devices: quick ? 200 : 1_000,
        intervalS: 10,
        hours: quick ? 1 / 3 : backlogHours,
        persistence: backlogPersistence,
      });
      figures.backlog = backlog;
      lines.push('', ...backlogTable(backlog));
    }
    if (want('outage')) {
      // Its own influxd: this one is stopped and started again.
      const maxBufferedReadings = numberFlag('--outage-max-buffered');
      const outage = await benchOutage({
        ratePerS: 2_000,
        devices: 100,
        outageMs: Math.round(outageMinutes * 60_000),
        ...(maxBufferedReadings === undefined ? {} : { maxBufferedReadings }),
      });
      figures.outage = outage;
      lines.push('', ...outageTable(outage));
    }
  } else lines.push('', 'InfluxDB not measured: /usr/bin/influxd is not installed (apt-get install -y influxdb).');
  console.log(lines.join('\n'));
  mkdirSync('bench-results', { recursive: true });
  const file = `bench-results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`\nFigures written to ${file}`);
} finally {
  await influxd?.stop();
}
