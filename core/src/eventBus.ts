/** A typed event bus: listeners are keyed by their owner so a module's stop() removes exactly its own. */
export type EventMap = Record<string, unknown>;

export class EventBus<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Map<object, Array<(payload: never) => void>>>();

  on<K extends keyof E>(event: K, owner: object, listener: (payload: E[K]) => void): void {
    const byOwner = this.listeners.get(event) ?? new Map<object, Array<(payload: never) => void>>();
    this.listeners.set(event, byOwner);
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), listener as (payload: never) => void]);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    for (const listeners of this.listeners.get(event)?.values() ?? []) {
      for (const listener of listeners) (listener as (payload: E[K]) => void)(payload);
    }
  }

  removeListeners(owner: object): void {
    for (const byOwner of this.listeners.values()) byOwner.delete(owner);
  }
}
