/**
 * Actuator states of one greenhouse. A timed run stores its end time and is read against the
 * clock, so it ends by itself without a timer and the physics sees it end at the right instant.
 */
export type ActuatorChange =
  | { readonly action: 'on'; readonly durationS?: number }
  | { readonly action: 'off' }
  | { readonly action: 'set'; readonly value: number };

export interface ActuatorView {
  readonly state: 'on' | 'off';
  readonly value?: number;
}

export interface Actuators {
  isOn(name: string, t: number): boolean;
  view(name: string, t: number): ActuatorView;
  apply(name: string, change: ActuatorChange, t: number): ActuatorView;
}

interface ActuatorState {
  on: boolean;
  until?: number;
  value?: number;
}

export function createActuators(): Actuators {
  const states = new Map<string, ActuatorState>();
  const isOn = (name: string, t: number) => {
    const s = states.get(name);
    return s?.on === true && (s.until === undefined || t < s.until);
  };
  const view = (name: string, t: number): ActuatorView => {
    const value = states.get(name)?.value;
    return { state: isOn(name, t) ? 'on' : 'off', ...(value === undefined ? {} : { value }) };
  };
  return {
    isOn,
    view,
    apply(name, change, t) {
      const s = states.get(name) ?? { on: false };
      if (change.action === 'set') s.value = change.value;
      else {
        s.on = change.action === 'on';
        s.until = change.action === 'on' && change.durationS !== undefined ? t + change.durationS * 1000 : undefined;
      }
      states.set(name, s);
      return view(name, t);
    },
  };
}
