/** The dashboard bundle's build id, compiled in by `vite build` (web/buildId.ts); undefined under `vite dev`. */
declare const __CANOPY_BUILD__: string | undefined;
