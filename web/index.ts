import { fileURLToPath } from 'node:url';

/** Where `vite build` writes the dashboard; the API serves this directory at `/`. */
export const webDistDir = fileURLToPath(new URL('./dist/', import.meta.url));
