/** The 8 metrics of value set `k` (0–99): the load generator cycles through them. */
function metrics(k: number) {
  const v = k / 10;
  return {
    air_temp_c: 25 + v,
    rh_pct: 60 + v,
    co2_ppm: 600 + v,
    ppfd_umol_m2_s: 400 + v,
    soil_moisture_pct: 30 + v,
    soil_temp_c: 22 + v,
    ec_ms_cm: 1.5,
    ph: 6.1,
  };
}

/**
 * Everything after the timestamp, for each value set, serialized once: at 20,000 msg/s a
 * `JSON.stringify` per message was ~10 % of the generator's CPU, which counts against the
 * machine it measures. The bytes are `JSON.stringify({ ts, m })`'s.
 */
const REST = Array.from({ length: 100 }, (_, k) => JSON.stringify({ m: metrics(k) }).slice(1));

/** The telemetry message the load generator sends (8 metrics), for benchmarks that publish themselves. */
export function telemetryBody(ts: number, n: number): string {
  return `{"ts":${ts},${REST[n % 100]}`;
}
