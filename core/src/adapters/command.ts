/** Reads a protocol v1 command, for adapters that pass commands on to stock firmware. */
import { Compile } from 'typebox/compile';
import { CommandPayload } from '../payloads.ts';

const checkCommand = Compile(CommandPayload);

export function parseCommandPayload(text: string): CommandPayload | undefined {
  try {
    const body: unknown = JSON.parse(text);
    return checkCommand.Check(body) ? body : undefined;
  } catch {
    return undefined;
  }
}
