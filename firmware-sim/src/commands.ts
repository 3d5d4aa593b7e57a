/**
 * What a device does with a command payload, without MQTT: validate, refuse what is stale or not
 * its own, apply the rest to the greenhouse and say what it did in an ack.
 */
import { type AckPayload, CommandPayload } from '@canopy/core';
import { Compile } from 'typebox/compile';
import type { ActuatorChange } from './actuators.ts';
import type { Greenhouse } from './greenhouse.ts';

export interface CommandHandlerOptions {
  /** The actuators wired to this device; commands for others are refused. */
  readonly actuators: readonly string[];
  readonly greenhouse: Greenhouse;
}

export interface CommandHandler {
  /** The ack to publish, or undefined when the payload has no id to answer to. */
  handle(payload: Uint8Array | string, now: number): AckPayload | undefined;
}

const checkCommand = Compile(CommandPayload);
/** QoS 1 may deliver a command twice: remember recent ids to answer again without acting again. */
const REMEMBERED_IDS = 64;
const MAX_ERROR = 200;

function toChange(cmd: CommandPayload): ActuatorChange | undefined {
  if (cmd.action === 'off') return { action: 'off' };
  if (cmd.action === 'on') return cmd.duration_s === undefined ? { action: 'on' } : { action: 'on', durationS: cmd.duration_s };
  return cmd.value === undefined ? undefined : { action: 'set', value: cmd.value };
}

export function createCommandHandler(options: CommandHandlerOptions): CommandHandler {
  const answered = new Map<string, AckPayload>();

  const decide = (cmd: CommandPayload, now: number): AckPayload => {
    if (cmd.expires_at <= now) return { id: cmd.id, ok: false, error: 'expired' };
    if (!options.actuators.includes(cmd.actuator)) return { id: cmd.id, ok: false, error: `unknown actuator ${cmd.actuator}` };
    const change = toChange(cmd);
    if (change === undefined) return { id: cmd.id, ok: false, error: 'set needs a value' };
    return { id: cmd.id, ok: true, ...options.greenhouse.command(cmd.actuator, change, now) };
  };

  return {
    handle(payload, now) {
      let body: unknown;
      try {
        body = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'));
      } catch {
        return undefined;
      }
      if (!checkCommand.Check(body)) {
        const id = (body as { id?: unknown } | null)?.id;
        if (typeof id !== 'string' || id.length < 1 || id.length > 64) return undefined;
        const first = checkCommand.Errors(body)[0];
        const error = `invalid command: ${first?.instancePath || '/'} ${first?.message ?? ''}`.trim();
        return { id, ok: false, error: error.slice(0, MAX_ERROR) };
      }
      const previous = answered.get(body.id);
      if (previous) return previous;
      const ack = decide(body, now);
      answered.set(body.id, ack);
      const oldest = answered.keys().next().value;
      if (answered.size > REMEMBERED_IDS && oldest !== undefined) answered.delete(oldest);
      return ack;
    },
  };
}
