import { describe, expect, it } from 'vitest';
import { RELOADED_FOR_KEY, type ReloadDeps, reloadOnNewBuild } from './reloadOnNewBuild.ts';

/** A tab: session storage that survives its reloads, and a count of them. */
function tab(storage = new Map<string, string>()) {
  let reloads = 0;
  const deps: ReloadDeps = {
    storage: () => ({ getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v) }),
    reload: () => {
      reloads++;
    },
  };
  return { deps, storage, reloads: () => reloads };
}

describe('reloadOnNewBuild', () => {
  it('stays when the server serves this build', () => {
    const t = tab();
    expect(reloadOnNewBuild('b1', 'b1', t.deps)).toBe(false);
    expect(t.reloads()).toBe(0);
  });

  it('reloads once for a new server build, and carries on if the new bundle does not arrive', () => {
    const t = tab();
    expect(reloadOnNewBuild('b1', 'b2', t.deps)).toBe(true);
    expect(t.storage.get(RELOADED_FOR_KEY)).toBe('b2');
    // After the reload a cache served b1 again: no second reload for b2, on this connect or the next.
    expect(reloadOnNewBuild('b1', 'b2', t.deps)).toBe(false);
    expect(reloadOnNewBuild('b1', 'b2', t.deps)).toBe(false);
    expect(t.reloads()).toBe(1);
  });

  it('reloads again for the next server build', () => {
    const t = tab(new Map([[RELOADED_FOR_KEY, 'b2']]));
    expect(reloadOnNewBuild('b2', 'b3', t.deps)).toBe(true);
    expect(t.reloads()).toBe(1);
  });

  it('is off under vite dev and when the server names no build', () => {
    const t = tab();
    expect(reloadOnNewBuild(undefined, 'b2', t.deps)).toBe(false);
    for (const server of [null, undefined, '', 42, { build: 'b2' }]) expect(reloadOnNewBuild('b1', server, t.deps)).toBe(false);
    expect(t.reloads()).toBe(0);
  });

  it('does not reload when session storage is blocked, as it could not stop a loop', () => {
    const t = tab();
    const blocked: ReloadDeps = {
      ...t.deps,
      storage: () => {
        throw new DOMException('blocked', 'SecurityError');
      },
    };
    expect(reloadOnNewBuild('b1', 'b2', blocked)).toBe(false);
    expect(t.reloads()).toBe(0);
  });
});
