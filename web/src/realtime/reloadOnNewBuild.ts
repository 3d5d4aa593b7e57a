/**
 * After a server upgrade an open tab still runs the old bundle, which may not understand the new
 * server's messages. The server names the dashboard build it serves on every live connection; a tab
 * running another build reloads, at most once per server build, so a cache that keeps handing out
 * the old bundle cannot make it loop: it then carries on as it is.
 */

/** The server build this tab last reloaded for; session storage survives the reload, per tab. */
export const RELOADED_FOR_KEY = 'canopy.reloadedForBuild';

export interface ReloadDeps {
  /** A function, because merely reading `sessionStorage` throws where the browser blocks storage. */
  storage(): Pick<Storage, 'getItem' | 'setItem'>;
  reload(): void;
}

const browser: ReloadDeps = { storage: () => sessionStorage, reload: () => location.reload() };

/**
 * Reloads the page when `server` names another build than `own` (undefined under `vite dev`: no
 * check). `server` is unknown because it comes from a server of another version, by definition.
 * Returns whether it reloaded.
 */
export function reloadOnNewBuild(own: string | undefined, server: unknown, deps: ReloadDeps = browser): boolean {
  if (own === undefined || typeof server !== 'string' || server === '' || server === own) return false;
  try {
    const storage = deps.storage();
    if (storage.getItem(RELOADED_FOR_KEY) === server) return false;
    storage.setItem(RELOADED_FOR_KEY, server);
  } catch {
    // Without somewhere to note the attempt, a reload could loop: better an old bundle than no dashboard.
    return false;
  }
  deps.reload();
  return true;
}
