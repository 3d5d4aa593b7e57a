/** The telemetry message the load generator sends (8 metrics), for benchmarks that publish themselves. */
export function telemetryBody(ts: number, n: number): string {
  const v = (n % 100) / 10;
  return JSON.stringify({
    ts,
    m: {
      air_temp_c: 25 + v,
      rh_pct: 60 + v,
      co2_ppm: 600 + v,
      ppfd_umol_m2_s: 400 + v,
      soil_moisture_pct: 30 + v,
      soil_temp_c: 22 + v,
      ec_ms_cm: 1.5,
      ph: 6.1,
    },
  });
}
