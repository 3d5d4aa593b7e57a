import { useState } from 'react';

/**
 * One change at a time from one part of the screen, its failure kept beside the control that made
 * it. The list is reloaded either way: after a failure it may have changed under us (404, 403).
 */
export function useAction(reload: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
      reload();
    }
  }
  return { busy, error, run };
}
