import { describe, expect, it } from 'vitest';
import { RED_RIVER_DELTA } from './climateNormals.ts';
import { createCommandHandler } from './commands.ts';
import { createGreenhouse, VALVE } from './greenhouse.ts';
import { createWeather } from './weather.ts';

const T0 = Date.UTC(2025, 6, 10, 3);

function setup() {
  const greenhouse = createGreenhouse({ id: 'gh-1', seed: 1, weather: createWeather(RED_RIVER_DELTA, 1), autoIrrigate: false });
  const handler = createCommandHandler({ actuators: [VALVE], greenhouse });
  let n = 0;
  const command = (fields: Record<string, unknown>, now = T0) => {
    n += 1;
    return handler.handle(JSON.stringify({ id: `c${n}`, ts: now, expires_at: now + 30_000, actuator: VALVE, ...fields }), now);
  };
  return { greenhouse, handler, command };
}

describe('command handling', () => {
  it('runs a timed "on" that ends by itself on the clock', () => {
    const { greenhouse, command } = setup();
    expect(command({ action: 'on', duration_s: 90 })).toEqual({ id: 'c1', ok: true, state: 'on' });
    expect(greenhouse.actuator(VALVE, T0 + 89_999).state).toBe('on');
    expect(greenhouse.conditions(T0 + 60_000).waterFlowLMin).toBeGreaterThan(0);
    expect(greenhouse.actuator(VALVE, T0 + 90_000).state).toBe('off');
    expect(greenhouse.conditions(T0 + 91_000).waterFlowLMin).toBe(0);
  });

  it('stops on "off" and keeps an untimed "on" until then', () => {
    const { greenhouse, command } = setup();
    command({ action: 'on' });
    expect(greenhouse.actuator(VALVE, T0 + 86_400_000).state).toBe('on');
    expect(command({ action: 'off' }, T0 + 1_000)).toEqual({ id: 'c2', ok: true, state: 'off' });
    expect(greenhouse.actuator(VALVE, T0 + 2_000).state).toBe('off');
  });

  it('stores the value of "set"', () => {
    const { greenhouse, command } = setup();
    expect(command({ action: 'set', value: 40 })).toEqual({ id: 'c1', ok: true, state: 'off', value: 40 });
    expect(greenhouse.actuator(VALVE, T0)).toEqual({ state: 'off', value: 40 });
    expect(command({ action: 'set' })).toEqual({ id: 'c2', ok: false, error: 'set needs a value' });
  });

  it('ignores an expired command and says so', () => {
    const { greenhouse, handler } = setup();
    const ack = handler.handle(JSON.stringify({ id: 'old', ts: T0 - 60_000, expires_at: T0 - 1, actuator: VALVE, action: 'on' }), T0);
    expect(ack).toEqual({ id: 'old', ok: false, error: 'expired' });
    expect(greenhouse.actuator(VALVE, T0).state).toBe('off');
  });

  it('refuses an actuator it does not have', () => {
    const { command } = setup();
    expect(command({ actuator: 'fan_1', action: 'on' })).toEqual({ id: 'c1', ok: false, error: 'unknown actuator fan_1' });
  });

  it('answers an invalid command that has an id, and drops what it cannot answer', () => {
    const { handler, command } = setup();
    expect(command({ action: 'toggle' })).toMatchObject({
      id: 'c1',
      ok: false,
      error: expect.stringMatching(/^invalid command: \/action/),
    });
    expect(handler.handle('not json', T0)).toBeUndefined();
    expect(handler.handle(JSON.stringify({ action: 'on' }), T0)).toBeUndefined();
    expect(handler.handle('null', T0)).toBeUndefined();
  });

  it('acks a redelivered command again without acting on it again', () => {
    const { greenhouse, handler, command } = setup();
    const on = JSON.stringify({ id: 'dup', ts: T0, expires_at: T0 + 30_000, actuator: VALVE, action: 'on' });
    expect(handler.handle(on, T0)).toEqual({ id: 'dup', ok: true, state: 'on' });
    command({ action: 'off' }, T0 + 1_000);
    expect(handler.handle(on, T0 + 2_000)).toEqual({ id: 'dup', ok: true, state: 'on' });
    expect(greenhouse.actuator(VALVE, T0 + 3_000).state).toBe('off');
  });
});
