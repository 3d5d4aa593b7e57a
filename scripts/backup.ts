/**
 * `npm run backup -- <target-dir>`: an online backup of DATA_DIR's SQLite databases (metadata,
 * users, and the embedded time-series store) into an empty directory, safe while Canopy runs.
 * Restore: stop Canopy, copy the files back into DATA_DIR (removing any `*-wal` / `*-shm`
 * beside them), start Canopy. See README, "Backup and restore".
 */
import { backupDataDir, loadDataConfig, runMain } from '@canopy/core/node';

runMain(async () => {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: npm run backup -- <target-dir>');
    process.exit(2);
  }
  const config = loadDataConfig(process.env);
  const files = await backupDataDir(config, target);
  for (const f of files) console.log(`${f.source} → ${f.target}`);
  if (config.influx)
    console.log('Time series are in InfluxDB: back them up with `influxd backup -portable` (1.x) or `influx backup` (2.x).');
});
