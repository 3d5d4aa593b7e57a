/**
 * A simple solar-position model (Cooper's declination, a three-term equation of time): within a
 * degree or so, which is plenty for plausible light curves.
 */
const RAD = Math.PI / 180;
const DAY_MS = 86_400_000;

function dayOfYear(t: number): number {
  const date = new Date(t);
  return (t - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY_MS + 1;
}

function declinationRad(t: number): number {
  return 23.45 * RAD * Math.sin((2 * Math.PI * (284 + dayOfYear(t))) / 365);
}

/** Sun elevation above the horizon in degrees at `t` (epoch ms); negative at night. */
export function solarElevationDeg(t: number, latDeg: number, lonDeg: number): number {
  const b = (2 * Math.PI * (dayOfYear(t) - 81)) / 364;
  const equationOfTimeMin = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
  const utcHours = (((t % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
  const solarHours = utcHours + lonDeg / 15 + equationOfTimeMin / 60;
  const hourAngle = 15 * (solarHours - 12) * RAD;
  const lat = latDeg * RAD;
  const decl = declinationRad(t);
  const sinElevation = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
  return Math.asin(Math.max(-1, Math.min(1, sinElevation))) / RAD;
}

/** Hours from sunrise to sunset on the day of `t` (FAO-56 eq. 34). */
export function dayLengthH(t: number, latDeg: number): number {
  const x = -Math.tan(latDeg * RAD) * Math.tan(declinationRad(t));
  return (24 / Math.PI) * Math.acos(Math.max(-1, Math.min(1, x)));
}

/** Clear-sky global horizontal irradiance in W/m² (Haurwitz). */
export function clearSkyIrradianceWm2(elevationDeg: number): number {
  const sinElevation = Math.sin(elevationDeg * RAD);
  return sinElevation <= 0 ? 0 : 1098 * sinElevation * Math.exp(-0.057 / sinElevation);
}
