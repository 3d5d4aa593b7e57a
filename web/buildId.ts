/**
 * Names each `vite build`: the id is compiled into the bundle as `__CANOPY_BUILD__` and written to
 * dist/build.json, which the API reads at start-up and tells live sockets (`hello`), so a tab still
 * running an older bundle after an upgrade can notice and reload.
 *
 * The id is time and randomness, not a hash of the output: it must be known before bundling to be
 * compiled in, and hashing the output would change it.
 */
import { randomBytes } from 'node:crypto';
import type { Plugin } from 'vite';

export function buildId(): Plugin {
  let id: string | undefined;
  return {
    name: 'canopy-build-id',
    config(_, { command }) {
      if (command === 'build') id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
      // Under `vite dev` there is no build to compare with, and the dashboard's check stays off.
      return { define: { __CANOPY_BUILD__: id === undefined ? 'undefined' : JSON.stringify(id) } };
    },
    generateBundle() {
      if (id !== undefined) this.emitFile({ type: 'asset', fileName: 'build.json', source: JSON.stringify({ build: id }) });
    },
  };
}
