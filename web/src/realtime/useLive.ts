import type { LiveMessage } from '@canopy/core';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import {
  getLiveSnapshot,
  joinGreenhouse,
  type LiveSnapshot,
  onReadings,
  onStatus,
  type StatusMessage,
  subscribeLiveSnapshot,
} from './live.ts';

export function useLiveSnapshot(): LiveSnapshot {
  return useSyncExternalStore(subscribeLiveSnapshot, getLiveSnapshot);
}

export interface LiveHandlers {
  onReadings?: (msg: LiveMessage) => void;
  onStatus?: (msg: StatusMessage) => void;
}

/** Joins the rooms of `greenhouseIds` while mounted and hands their messages to the latest handlers. */
export function useGreenhouseLive(greenhouseIds: readonly string[], handlers: LiveHandlers): void {
  const latest = useRef(handlers);
  latest.current = handlers;
  const key = greenhouseIds.join('\n');

  useEffect(() => {
    const ids = new Set(key === '' ? [] : key.split('\n'));
    const leaves = [...ids].map(joinGreenhouse);
    const offReadings = onReadings((msg) => {
      if (ids.has(msg.greenhouse)) latest.current.onReadings?.(msg);
    });
    const offStatus = onStatus((msg) => {
      if (ids.has(msg.greenhouse)) latest.current.onStatus?.(msg);
    });
    return () => {
      offReadings();
      offStatus();
      for (const leave of leaves) leave();
    };
  }, [key]);
}
