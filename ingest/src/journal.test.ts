import { appendFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type StoredReading } from '@canopy/core/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createJournal, type JournalEntry } from './journal.ts';
import { encodeRecord } from './journalRecord.ts';

const logger = createLogger({ name: 'test', level: 'silent' });
const reading = (i: number, greenhouse = 'gh-1'): StoredReading => ({
  device: 'gh1-climate',
  greenhouse,
  metric: 'air_temp_c',
  ts: 1_700_000_000_000 + i,
  value: 20 + i / 10,
});
const dirs: string[] = [];
async function tempDir() {
  const dir = await mkdtemp(join(tmpdir(), 'canopy-journal-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function appendAll(journal: ReturnType<typeof createJournal>, records: StoredReading[][]): Promise<JournalEntry[]> {
  return Promise.all(records.map((r) => new Promise<JournalEntry>((resolve) => journal.append(r, resolve))));
}

describe('journal', () => {
  it('acknowledges in append order, after the group is on disk, and replays it after a restart', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 5 }, logger);
    expect(await journal.open()).toBeUndefined();
    const order: number[] = [];
    const records = Array.from({ length: 50 }, (_, i) => [reading(i)]);
    records.forEach((r, i) => {
      journal.append(r, () => {
        order.push(i);
      });
    });
    journal.append([], () => order.push(-1));
    await journal.sync();
    expect(order).toEqual([...records.keys(), -1]);
    // No close: as after kill -9.
    const again = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 5 }, logger);
    const from = await again.open();
    expect(from).toBeDefined();
    const { entries } = await again.read(from ?? { segment: 0, offset: 0 }, 1_000);
    expect(entries.flatMap((e) => e.readings)).toEqual(records.flat());
    await again.close();
    await journal.close();
  });

  it('cuts a torn record off the tail at recovery', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, logger);
    await journal.open();
    await appendAll(journal, [[reading(1)], [reading(2)]]);
    await journal.close();
    const [segment] = await readdir(dir);
    const file = join(dir, segment ?? '');
    const whole = (await stat(file)).size;
    // Part of a frame, then (a power cut on some file systems) a zeroed block.
    await appendFile(file, encodeRecord([reading(3)]).subarray(0, 20));
    await appendFile(file, Buffer.alloc(4096));
    const again = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, logger);
    const from = await again.open();
    expect((await stat(file)).size).toBe(whole);
    const { entries } = await again.read(from ?? { segment: 0, offset: 0 }, 1_000);
    expect(entries.flatMap((e) => e.readings)).toEqual([reading(1), reading(2)]);
    await again.close();
  });

  it('reads on past a damaged record, logging it, and cuts nothing at open when intact records follow', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, logger);
    await journal.open();
    await appendAll(journal, [[reading(1)], [reading(2)], [reading(3)]]);
    await journal.close();
    const [first] = (await readdir(dir)).sort();
    const file = join(dir, first ?? '');
    const bytes = await readFile(file);
    const frame = bytes.length / 3;
    for (const [at, label] of [
      [frame + 4, 'a checksum byte'],
      [frame, 'a length byte'],
    ] as const) {
      const damaged = Buffer.from(bytes);
      damaged[at] = (damaged[at] as number) ^ 0xff;
      await writeFile(file, damaged);
      const errors: unknown[] = [];
      const watched = { ...logger, error: (...args: unknown[]) => errors.push(args) } as typeof logger;
      const again = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, watched);
      const from = await again.open();
      expect((await stat(file)).size, label).toBe(bytes.length);
      const { entries } = await again.read(from ?? { segment: 0, offset: 0 }, 1_000);
      expect(
        entries.flatMap((e) => e.readings),
        label,
      ).toEqual([reading(1), reading(3)]);
      expect(errors, label).toHaveLength(1);
      await again.close();
      // Each open starts a new (empty) segment; only the damaged one matters here.
      for (const name of await readdir(dir)) if (name !== first) await rm(join(dir, name));
    }
  });

  it('does not spin on a segment found shorter on disk than it wrote', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, logger);
    await journal.open();
    await appendAll(journal, [[reading(1)], [reading(2)], [reading(3)]]);
    const [segment] = await readdir(dir);
    const file = join(dir, segment ?? '');
    await truncate(file, ((await stat(file)).size * 2) / 3 - 5);
    const { entries, next } = await journal.read({ segment: 0, offset: 0 }, 1_000);
    expect(entries.flatMap((e) => e.readings)).toEqual([reading(1)]);
    expect(next).toEqual(journal.durableEnd());
    await journal.close();
  });

  it('converts the JSON-lines segments an older ingest left, and replays them first', async () => {
    const dir = await tempDir();
    const line = (rs: StoredReading[]) =>
      `${JSON.stringify([[rs[0]?.device, rs[0]?.greenhouse, rs.map((r) => [r.ts, r.metric, r.value])]])}\n`;
    await writeFile(join(dir, '000000000001.jnl'), line([reading(1), reading(2)]) + line([reading(3, 'gh-2')]));
    // Its last line torn, as a power cut leaves it.
    await writeFile(join(dir, '000000000002.jnl'), `${line([reading(4)])}[["gh1-climate","gh-1",[[17`);
    const journal = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, logger);
    const from = await journal.open();
    expect((await readdir(dir)).sort()).toEqual(['000000000001.jnb', '000000000002.jnb', '000000000003.jnb']);
    await appendAll(journal, [[reading(5)]]);
    const { entries } = await journal.read(from ?? { segment: 0, offset: 0 }, 1_000);
    expect(entries.map((e) => e.readings)).toEqual([[reading(1), reading(2)], [reading(3, 'gh-2')], [reading(4)], [reading(5)]]);
    await journal.close();
  });

  it('rotates segments by size and deletes the ones released', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 200, syncMs: 1 }, logger);
    await journal.open();
    // Segments rotate between fsync groups, so append in several groups.
    const entries: JournalEntry[] = [];
    for (let round = 0; round < 6; round++) {
      entries.push(
        ...(await appendAll(
          journal,
          Array.from({ length: 5 }, (_, i) => [reading(round * 5 + i)]),
        )),
      );
    }
    await journal.sync();
    const before = (await readdir(dir)).length;
    expect(before).toBeGreaterThan(2);
    const last = entries.at(-1);
    if (!last) throw new Error('no entries');
    await journal.release(last.end);
    // Only the active segment is left, and it is empty: every closed one was written.
    expect(await readdir(dir)).toHaveLength(1);
    expect((await journal.read({ segment: 0, offset: 0 }, 1_000)).entries).toEqual([]);
    await journal.close();
  });

  it('reads back in order across segments, in slices', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 300, syncMs: 1 }, logger);
    await journal.open();
    await appendAll(
      journal,
      Array.from({ length: 40 }, (_, i) => [reading(i)]),
    );
    let cursor = { segment: 0, offset: 0 };
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) {
      const { entries, next } = await journal.read(cursor, 7);
      if (entries.length === 0) break;
      seen.push(...entries.flatMap((e) => e.readings.map((r) => r.ts - 1_700_000_000_000)));
      cursor = next;
    }
    expect(seen).toEqual([...Array(40).keys()]);
    await journal.close();
  });

  it('reads a record longer than a small read whole, between small ones', async () => {
    const dir = await tempDir();
    const journal = createJournal({ dir, segmentBytes: 1 << 20, syncMs: 1 }, logger);
    await journal.open();
    // ~150 KB: more than the 64 KB a one-reading read starts with.
    const big = Array.from({ length: 4_000 }, (_, i) => reading(10 + i));
    await appendAll(journal, [[reading(0)], big, [reading(1)]]);
    const first = await journal.read({ segment: 0, offset: 0 }, 1);
    expect(first.entries.map((e) => e.readings.length)).toEqual([1]);
    const second = await journal.read(first.next, 1);
    expect(second.entries.map((e) => e.readings.length)).toEqual([4_000]);
    expect(second.entries[0]?.readings).toEqual(big);
    const third = await journal.read(second.next, 1);
    expect(third.entries.flatMap((e) => e.readings)).toEqual([reading(1)]);
    await journal.close();
  });
});
