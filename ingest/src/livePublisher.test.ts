import { type LiveMessage, liveReadings } from '@canopy/core';
import type { StoredReading } from '@canopy/core/node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLivePublisher } from './livePublisher.ts';

const INTERVAL_MS = 250;

const reading = (greenhouse: string, device: string, ts: number, value = 1, metric = 'air_temp_c'): StoredReading => ({
  device,
  metric,
  ts,
  value,
  greenhouse,
});

function recorder() {
  const sent: Array<{ at: number; topic: string; message: LiveMessage }> = [];
  const publish = (topic: string, payload: string) => sent.push({ at: Date.now(), topic, message: JSON.parse(payload) as LiveMessage });
  return { sent, live: createLivePublisher(publish, INTERVAL_MS) };
}

describe('createLivePublisher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends an idle greenhouse's reading on the next turn, without waiting for the interval", () => {
    const { sent, live } = recorder();
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now(), 21.5)]);
    expect(sent).toHaveLength(0); // not synchronously: the rest of this turn's messages join it
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([
      {
        at: 1_000_000, // fake timers run a 0 ms timeout in the same millisecond; Node waits 1 ms
        topic: 'canopy/v1/greenhouses/gh-1/live',
        message: { greenhouse: 'gh-1', samples: [{ device: 'd-1', ts: 1_000_000, m: { air_temp_c: 21.5 } }] },
      },
    ]);
  });

  it('coalesces a busy greenhouse to one message an interval later, newest value per device and metric', () => {
    const { sent, live } = recorder();
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now(), 1)]);
    vi.advanceTimersByTime(1);
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now(), 2), reading('gh-1', 'd-2', Date.now(), 5)]);
    vi.advanceTimersByTime(100);
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now(), 3)]);
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now() - 50, 99)]); // older than the one pending: dropped
    vi.advanceTimersByTime(INTERVAL_MS - 102);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.at).toBe(1_000_000 + INTERVAL_MS);
    expect(liveReadings(sent[1]?.message as LiveMessage).map((r) => [r.device, r.value])).toEqual([
      ['d-1', 3],
      ['d-2', 5],
    ]);
  });

  it("packs a device's readings of one timestamp into one sample, and another timestamp into its own", () => {
    const { sent, live } = recorder();
    const ts = Date.now();
    live.add('gh-1', [reading('gh-1', 'd-1', ts, 21.5), reading('gh-1', 'd-1', ts, 70, 'rh_pct'), reading('gh-1', 'd-2', ts, 6.2, 'ph')]);
    live.add('gh-1', [reading('gh-1', 'd-1', ts + 5, 900, 'co2_ppm')]);
    vi.advanceTimersByTime(1);
    expect(sent[0]?.message.samples).toEqual([
      { device: 'd-1', ts, m: { air_temp_c: 21.5, rh_pct: 70 } },
      { device: 'd-1', ts: ts + 5, m: { co2_ppm: 900 } },
      { device: 'd-2', ts, m: { ph: 6.2 } },
    ]);
  });

  it('keeps one value of a metric that a message repeats at one timestamp, the later one', () => {
    const { sent, live } = recorder();
    const ts = Date.now();
    // A batch of two envelopes with the same ts, as a device's store-and-forward may send.
    live.add('gh-1', [reading('gh-1', 'd-1', ts, 1), reading('gh-1', 'd-1', ts, 70, 'rh_pct'), reading('gh-1', 'd-1', ts, 2)]);
    vi.advanceTimersByTime(1);
    expect(sent[0]?.message.samples).toEqual([{ device: 'd-1', ts, m: { air_temp_c: 2, rh_pct: 70 } }]);
  });

  it("writes exactly JSON.stringify's text, whatever the ids and numbers", () => {
    const payloads: string[] = [];
    const live = createLivePublisher((_topic, payload) => payloads.push(payload), INTERVAL_MS);
    const ts = Date.now();
    const odd = 'd-"\\\n\u2028é😀';
    const values = [-0, 1e-7, 1e21, -273.15, 0.1 + 0.2, Number.MAX_SAFE_INTEGER];
    live.add(
      'gh-x',
      values.map((v, i) => reading('gh-x', odd, ts, v, `m_${i}.2`)),
    );
    live.add('gh-x', [reading('gh-x', 'd-2', ts, 5), reading('gh-x', 'd-2', ts + 1, 6, 'rh_pct')]);
    vi.advanceTimersByTime(1);
    expect(payloads).toHaveLength(1);
    const message = JSON.parse(payloads[0] as string) as LiveMessage;
    expect(payloads[0]).toBe(JSON.stringify(message));
    expect(message.greenhouse).toBe('gh-x');
    expect(liveReadings(message).map((r) => [r.device, r.metric, r.ts, r.value])).toEqual([
      ...values.map((v, i) => [odd, `m_${i}.2`, ts, Object.is(v, -0) ? 0 : v]),
      ['d-2', 'air_temp_c', ts, 5],
      ['d-2', 'rh_pct', ts + 1, 6],
    ]);
  });

  it('keeps each greenhouse to one message an interval (≤ 4/s at 250 ms) under steady load', () => {
    const { sent, live } = recorder();
    // 20 s of a reading every 2 ms in each of 3 greenhouses, at staggered starts.
    for (let t = 0; t < 20_000; t += 2) {
      for (const g of ['gh-1', 'gh-2', 'gh-3']) live.add(g, [reading(g, `d-${t % 30}`, Date.now())]);
      vi.advanceTimersByTime(2);
    }
    vi.advanceTimersByTime(INTERVAL_MS);
    for (const g of ['gh-1', 'gh-2', 'gh-3']) {
      const times = sent.filter((s) => s.message.greenhouse === g).map((s) => s.at);
      const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL_MS);
      expect(times.length).toBeLessThanOrEqual(20 * 4 + 2);
      expect(times.length).toBeGreaterThanOrEqual(20 * 4 - 2);
    }
  });

  it('does not hold an idle greenhouse behind a busy one', () => {
    const { sent, live } = recorder();
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now())]);
    vi.advanceTimersByTime(1);
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now())]); // gh-1 now waits for its interval
    vi.advanceTimersByTime(10);
    live.add('gh-2', [reading('gh-2', 'd-9', Date.now())]);
    vi.advanceTimersByTime(1);
    expect(sent.map((s) => [s.message.greenhouse, s.at])).toEqual([
      ['gh-1', 1_000_000],
      ['gh-2', 1_000_011],
    ]);
  });

  it("splits a large greenhouse's message below the broker's packet limit, losing no reading", () => {
    const sizes: number[] = [];
    const got: LiveMessage[] = [];
    const live = createLivePublisher((_topic, payload) => {
      sizes.push(payload.length);
      got.push(JSON.parse(payload) as LiveMessage);
    }, INTERVAL_MS);
    const metrics = ['air_temp_c', 'rh_pct', 'co2_ppm', 'ppfd_umol_m2_s', 'soil_moisture_pct', 'soil_temp_c', 'ec_ms_cm', 'ph'];
    for (let d = 0; d < 400; d++)
      live.add(
        'gh-1',
        metrics.map((m) => reading('gh-1', `gh1-sensor-${d}`, Date.now(), d, m)),
      );
    vi.advanceTimersByTime(1);
    expect(got.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(40_000);
    expect(got.flatMap(liveReadings)).toHaveLength(400 * metrics.length);
  });

  it('sends what is pending at stop, and nothing after', () => {
    const { sent, live } = recorder();
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now())]);
    vi.advanceTimersByTime(1);
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now(), 7)]);
    live.stop();
    expect(sent.map((s) => liveReadings(s.message)[0]?.value)).toEqual([1, 7]);
    live.add('gh-1', [reading('gh-1', 'd-1', Date.now(), 8)]);
    vi.advanceTimersByTime(INTERVAL_MS * 2);
    expect(sent).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
