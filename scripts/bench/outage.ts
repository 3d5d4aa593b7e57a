/**
 * The outage benchmark. Scenario: devices publish a steady QoS 1 load through the broker and
 * ingest into a private `influxd`; after a warm-up `influxd` is stopped (SIGTERM) for `outageMs`
 * and started again on the same port with its data, while the load goes on throughout and for
 * a while after. Ingest keeps acknowledging from its journal, fills its memory buffer, then
 * spools on disk; when InfluxDB is back it replays in order. Reported: ingest's peak RSS (target
 * < 300 MB), the spool's peak bytes against its cap (sampled every second from /metrics), the time
 * from InfluxDB's return until the spool is replayed and the memory buffer is back to normal,
 * and lost = acknowledged − stored, counted in InfluxDB at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startInfluxd } from '../../tests/helpers/influxd.ts';
import { makeTempDir } from '../../tests/helpers/tmp.ts';
import {
  fmt,
  loadAverage,
  metricValue,
  type ProcessFigures,
  READINGS_PER_MESSAGE,
  runLoad,
  type Service,
  sampleProcess,
  scrape,
  seedDevices,
  startBroker,
  startIngest,
  stopAll,
  storedMessages,
  waitWritten,
} from './benchKit.ts';

export interface OutageOptions {
  readonly ratePerS: number;
  readonly devices: number;
  readonly outageMs: number;
  /** Ingest's spool cap (INGEST_SPOOL_MAX_MB); the default is ingest's own default. */
  readonly spoolCapMb?: number;
  /** Ingest's memory buffer (INGEST_MAX_BUFFERED); the default is ingest's own default. */
  readonly maxBufferedReadings?: number;
}

export interface OutageResult {
  readonly options: OutageOptions;
  readonly loadAverage: string;
  readonly published: number;
  readonly acked: number;
  readonly stored: number;
  readonly lost: number;
  readonly spoolCapMb: number;
  readonly spoolPeakMb: number;
  readonly bufferedPeakReadings: number;
  readonly ingest?: ProcessFigures;
  readonly broker?: ProcessFigures;
  /** InfluxDB back → spool replayed and the memory buffer under a second of load; undefined if never. */
  readonly replayS?: number;
  readonly readingsSpooled: number;
  readonly readingsReplayed: number;
  /** Ingest stopped taking messages at the spool cap at some point. */
  readonly paused: boolean;
  /** Ingest's peak RSS and V8 heap in use (MB) per phase, from its /metrics every second. */
  readonly memoryPeaks: Record<Phase, { rssMb: number; heapUsedMb: number }>;
}

type Phase = 'warm' | 'outage' | 'replay' | 'after';

const WARM_MS = 10_000;
const MB = 1024 * 1024;
const DEFAULT_SPOOL_CAP_MB = 2_048;
/** Load after InfluxDB's return: half the outage, within 10 s … 5 min. */
const afterMsOf = (outageMs: number) => Math.min(300_000, Math.max(10_000, outageMs / 2));

export async function benchOutage(options: OutageOptions): Promise<OutageResult> {
  const dir = await makeTempDir('bench-outage');
  const influxd = await startInfluxd();
  const services: Array<Service | undefined> = [];
  try {
    const { credentials } = await seedDevices(dir.path, options.devices);
    const spoolCapMb = options.spoolCapMb ?? DEFAULT_SPOOL_CAP_MB;
    const database = 'bench_outage';
    const broker = await startBroker(dir.path, 'broker');
    services.push(broker);
    const ingest = await startIngest(dir.path, 'ingest', {
      mqttUrl: broker.url,
      influxUrl: influxd.url,
      database,
      clientId: 'bench-outage',
      env: {
        INGEST_SPOOL_MAX_MB: String(spoolCapMb),
        ...(options.maxBufferedReadings === undefined ? {} : { INGEST_MAX_BUFFERED: String(options.maxBufferedReadings) }),
      },
    });
    services.push(ingest);
    await sleep(1_000);
    const ingestCpu = sampleProcess(ingest.process.pid());
    const brokerCpu = sampleProcess(broker.process.pid());
    // The load runs on after InfluxDB's return: the replay competes with live traffic, as it would.
    const afterMs = afterMsOf(options.outageMs);
    const loading = runLoad({
      mqttUrl: broker.url,
      devices: credentials,
      ratePerS: options.ratePerS,
      durationMs: WARM_MS + options.outageMs + afterMs,
    });
    let spoolPeak = 0;
    let bufferedPeak = 0;
    let paused = false;
    let last = '';
    let phase: Phase = 'warm';
    const memoryPeaks = Object.fromEntries(
      (['warm', 'outage', 'replay', 'after'] as const).map((p) => [p, { rssMb: 0, heapUsedMb: 0 }]),
    ) as OutageResult['memoryPeaks'];
    const startedAt = Date.now();
    let samples = 0;
    const watch = setInterval(() => {
      scrape(ingest.url).then(
        (m) => {
          last = m;
          spoolPeak = Math.max(spoolPeak, metricValue(m, 'canopy_ingest_spool_bytes'));
          bufferedPeak = Math.max(bufferedPeak, metricValue(m, 'canopy_ingest_buffered_readings'));
          paused ||= metricValue(m, 'canopy_ingest_paused') === 1;
          const rssMb = Math.round(metricValue(m, 'canopy_ingest_process_resident_memory_bytes') / MB);
          const heapUsedMb = Math.round(metricValue(m, 'canopy_ingest_nodejs_heap_size_used_bytes') / MB);
          const peak = memoryPeaks[phase];
          peak.rssMb = Math.max(peak.rssMb, rssMb);
          peak.heapUsedMb = Math.max(peak.heapUsedMb, heapUsedMb);
          // A progress line every 30 s on stderr: a 30-minute run cut short still leaves its figures.
          if (samples++ % 30 === 0)
            console.error(
              `outage bench ${new Date().toISOString()} +${Math.round((Date.now() - startedAt) / 1_000)} s ${phase}: ingest RSS ${rssMb} MB, heap used ${heapUsedMb} MB, buffered ${metricValue(m, 'canopy_ingest_buffered_readings')}, spool ${Math.round(metricValue(m, 'canopy_ingest_spool_bytes') / MB)} MB, paused ${metricValue(m, 'canopy_ingest_paused')}`,
            );
        },
        () => {},
      );
    }, 1_000);
    let replayS: number | undefined;
    let load: Awaited<typeof loading>;
    try {
      await sleep(WARM_MS);
      await influxd.halt();
      phase = 'outage';
      await sleep(options.outageMs);
      await influxd.resume();
      phase = 'replay';
      const backAt = Date.now();
      // Replayed: nothing on disk only, no failing write, and at most a second of load in memory.
      const deadline = backAt + Math.max(600_000, options.outageMs * 2);
      while (Date.now() < deadline) {
        await sleep(1_000);
        const m = last;
        if (
          m !== '' &&
          Date.now() - backAt > 2_000 &&
          metricValue(m, 'canopy_ingest_spooling') === 0 &&
          metricValue(m, 'canopy_ingest_store_failing') === 0 &&
          metricValue(m, 'canopy_ingest_buffered_readings') <= options.ratePerS * 10
        ) {
          replayS = Number(((Date.now() - backAt) / 1_000).toFixed(1));
          break;
        }
      }
      phase = 'after';
      // Watched until the load ends, so memory the replay leaves behind is seen too.
      load = await loading;
    } finally {
      clearInterval(watch);
    }
    await waitWritten(ingest.url, load.acked * READINGS_PER_MESSAGE, { everyMs: 1_000, quietMs: 30_000 });
    // Ingest's own count says when to look; InfluxDB's count is the figure.
    const stored = await storedMessages(influxd.url, database);
    const final = await scrape(ingest.url);
    const ingestFigures = ingestCpu.stop();
    const brokerFigures = brokerCpu.stop();
    return {
      options,
      loadAverage: loadAverage(),
      published: load.published,
      acked: load.acked,
      stored,
      lost: load.acked - stored,
      spoolCapMb,
      spoolPeakMb: Math.round(spoolPeak / MB),
      bufferedPeakReadings: bufferedPeak,
      ...(ingestFigures ? { ingest: ingestFigures } : {}),
      ...(brokerFigures ? { broker: brokerFigures } : {}),
      ...(replayS === undefined ? {} : { replayS }),
      readingsSpooled: metricValue(final, 'canopy_ingest_readings_spooled_total'),
      readingsReplayed: metricValue(final, 'canopy_ingest_readings_replayed_total'),
      paused,
      memoryPeaks,
    };
  } finally {
    await stopAll(services);
    await influxd.stop();
    await dir.remove();
  }
}

const peaks = (r: OutageResult, p: Phase) =>
  r.memoryPeaks[p].rssMb === 0 ? '- (not reached)' : `${r.memoryPeaks[p].rssMb} / ${r.memoryPeaks[p].heapUsedMb}`;

export function outageTable(r: OutageResult): string[] {
  const o = r.options;
  const minutes = o.outageMs / 60_000;
  return [
    `## Outage (InfluxDB down ${fmt(minutes, 2)} min at ${fmt(o.ratePerS)} msg/s from ${o.devices} devices, QoS 1, memory buffer ${o.maxBufferedReadings === undefined ? 'default' : fmt(o.maxBufferedReadings)} readings)`,
    '',
    `Load average at the end: ${r.loadAverage}. Load: ${WARM_MS / 1_000} s before, the outage, and ${afterMsOf(o.outageMs) / 1_000} s after. Replay = InfluxDB back → spool replayed and at most 1 s of load (readings) in the memory buffer.`,
    '',
    '| published | acked | stored | lost | ingest CPU / RSS max | spool peak / cap (MB) | memory buffer peak (readings) | readings spooled / replayed | replay (s) | broker CPU / RSS | paused at cap |',
    '| ---: | ---: | ---: | ---: | --- | --- | ---: | --- | ---: | --- | --- |',
    `| ${fmt(r.published)} | ${fmt(r.acked)} | ${fmt(r.stored)} | ${r.lost} | ${r.ingest ? `${r.ingest.cpuPct}% / ${r.ingest.maxRssMb} MB` : '-'} | ${fmt(r.spoolPeakMb)} / ${fmt(r.spoolCapMb)} | ${fmt(r.bufferedPeakReadings)} | ${fmt(r.readingsSpooled)} / ${fmt(r.readingsReplayed)} | ${r.replayS ?? 'not within the bound'} | ${r.broker ? `${r.broker.cpuPct}% / ${r.broker.maxRssMb} MB` : '-'} | ${r.paused ? 'yes' : 'no'} |`,
    '',
    `Ingest peak RSS / V8 heap used (MB, sampled every second) — before: ${peaks(r, 'warm')}; outage: ${peaks(r, 'outage')}; replay: ${peaks(r, 'replay')}; after: ${peaks(r, 'after')}.`,
    '',
    '| ratio / target | value |',
    '| --- | ---: |',
    `| ingest RSS max ÷ 300 MB | ${r.ingest ? (r.ingest.maxRssMb / 300).toFixed(2) : '-'} (${r.ingest && r.ingest.maxRssMb < 300 ? 'met' : '**not met**'}) |`,
    `| spool peak ÷ cap | ${(r.spoolPeakMb / r.spoolCapMb).toFixed(2)} |`,
    `| replay time ÷ outage time | ${r.replayS === undefined ? '-' : (r.replayS / (o.outageMs / 1_000)).toFixed(2)} |`,
    `| lost = 0, everything replayed | ${r.lost === 0 ? 'met' : `**not met** (${r.lost})`} |`,
    ...(minutes < 30
      ? [`The target is a 30-minute outage; this run is ${fmt(minutes, 2)} min (npm run bench -- --only outage --outage).`]
      : []),
  ];
}
