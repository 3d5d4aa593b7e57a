import { getJson } from './client.ts';
import type { Greenhouse, GreenhouseList, HistoryResponse } from './types.ts';

export function fetchGreenhouses(signal?: AbortSignal): Promise<GreenhouseList> {
  return getJson('/api/greenhouses', signal);
}

export function fetchGreenhouse(id: string, signal?: AbortSignal): Promise<Greenhouse> {
  return getJson(`/api/greenhouses/${encodeURIComponent(id)}`, signal);
}

export function fetchHistory(
  id: string,
  metrics: readonly string[],
  from: number,
  to: number,
  signal?: AbortSignal,
): Promise<HistoryResponse> {
  const query = new URLSearchParams({ metrics: metrics.join(','), from: String(from), to: String(to) });
  return getJson(`/api/greenhouses/${encodeURIComponent(id)}/history?${query}`, signal);
}
