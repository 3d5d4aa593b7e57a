/**
 * History-API routing for the few screens there are; the API answers unknown non-API paths with
 * index.html, so deep links like /greenhouses/gh-1?range=24h load straight into their screen.
 */
import { useSyncExternalStore } from 'react';

export type Route = { name: 'overview' } | { name: 'greenhouse'; id: string } | { name: 'people' } | { name: 'notFound' };

export const PEOPLE_PATH = '/people';

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'overview' };
  if (pathname === PEOPLE_PATH || pathname === `${PEOPLE_PATH}/`) return { name: 'people' };
  const match = /^\/greenhouses\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) {
    try {
      return { name: 'greenhouse', id: decodeURIComponent(match[1]) };
    } catch {
      // A malformed escape is no greenhouse.
    }
  }
  return { name: 'notFound' };
}

export function greenhousePath(id: string): string {
  return `/greenhouses/${encodeURIComponent(id)}`;
}

const NAVIGATE = 'canopy:navigate';

function subscribe(fn: () => void): () => void {
  window.addEventListener('popstate', fn);
  window.addEventListener(NAVIGATE, fn);
  return () => {
    window.removeEventListener('popstate', fn);
    window.removeEventListener(NAVIGATE, fn);
  };
}

/** `replace` for state that should not pile up in the back button, like the chart range. */
export function navigate(url: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** The current path and query, re-rendering on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(subscribe, () => location.pathname + location.search);
  const url = new URL(href, location.origin);
  return { pathname: url.pathname, search: url.search };
}
