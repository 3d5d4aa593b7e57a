/**
 * `npm run bench [-- --quick]`: benchmarks, reported as ratios against anchors measured in the
 * same run, since this machine is shared and noisy. Writes a markdown table to stdout and the
 * figures to bench-results/.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { startInfluxd } from '../tests/helpers/influxd.ts';
import { benchHistory, historyTable } from './bench/history.ts';
import { benchPipeline, pipelineTable } from './bench/pipeline.ts';
import { benchReconnectStorm, reconnectStormTable } from './bench/reconnectStorm.ts';
import { benchStoreWrites } from './bench/storeWrite.ts';

const quick = process.argv.includes('--quick');
const influxd = existsSync('/usr/bin/influxd') ? await startInfluxd() : undefined;
try {
  const writes = await benchStoreWrites({ durationMs: quick ? 3_000 : 10_000, ...(influxd ? { influxUrl: influxd.url } : {}) });
  const anchor = writes[0];
  const lines = [
    '## Store writes (4 devices × 8 metrics, 5,000-reading batches)',
    '',
    '| store | readings/s | × anchor | event-loop lag p50 / p99 / max (ms) |',
    '| --- | ---: | ---: | --- |',
    ...writes.map(
      (w) =>
        `| ${w.name} | ${w.readingsPerS.toLocaleString('en')} | ${anchor ? (w.readingsPerS / anchor.readingsPerS).toFixed(2) : '-'} | ${w.lagP50Ms} / ${w.lagP99Ms} / ${w.lagMaxMs} |`,
    ),
  ];
  const history = await benchHistory({ quick, ...(influxd ? { influxUrl: influxd.url } : {}) });
  lines.push('', ...historyTable(history));
  const reconnectStorm = await benchReconnectStorm({ quick });
  lines.push('', ...reconnectStormTable(reconnectStorm));
  const pipelineOptions = quick
    ? { ratePerS: 5_000, durationMs: 8_000, devices: 100 }
    : { ratePerS: 20_000, durationMs: 30_000, devices: 200 };
  const pipeline = influxd ? await benchPipeline({ influxUrl: influxd.url, ...pipelineOptions }) : undefined;
  if (pipeline)
    lines.push('', ...pipelineTable(pipeline, pipelineOptions, writes.find((w) => w.name.startsWith('InfluxDB'))?.readingsPerS));
  if (!influxd) lines.push('', 'InfluxDB not measured: /usr/bin/influxd is not installed (apt-get install -y influxdb).');
  console.log(lines.join('\n'));
  mkdirSync('bench-results', { recursive: true });
  const file = `bench-results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ quick, at: new Date().toISOString(), storeWrites: writes, history, reconnectStorm, pipeline }, null, 2)}\n`,
  );
  console.log(`\nFigures written to ${file}`);
} finally {
  await influxd?.stop();
}
