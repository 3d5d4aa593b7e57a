import type { Availability, HistorySeries } from '@canopy/core';

/** Response shapes of the Canopy REST API, as the dashboard reads them. */
export interface Cooperative {
  id: string;
  name: string;
  timeZone: string;
  locale: string;
}

export interface Device {
  id: string;
  name: string;
  kind: string;
  online: boolean;
  state: Availability;
  lastSeen: number | null;
  connectedSince: number | null;
  intervalS: number;
}

export interface LatestReading {
  value: number;
  ts: number;
  device: string;
}

export interface Greenhouse {
  id: string;
  name: string;
  farm: { id: string; name: string };
  areaM2: number;
  devices: Device[];
  /** metric key → newest reading */
  latest: Record<string, LatestReading>;
}

export interface GreenhouseList {
  /** null until a cooperative is set up. */
  cooperative: Cooperative | null;
  greenhouses: Greenhouse[];
}

export interface HistoryResponse {
  from: number;
  to: number;
  step_ms: number;
  series: HistorySeries[];
}

export type Role = 'admin' | 'coop_manager' | 'farmer' | 'extension_officer';

export interface Farm {
  id: string;
  cooperativeId: string;
  name: string;
  greenhouseIds: string[];
}

export interface User {
  id: string;
  name: string;
  role: Role;
  /** Null only for admins. */
  cooperativeId: string | null;
  /** Null for an extension officer's eyes, or when the user has none. */
  email: string | null;
  phone: string | null;
  /** A farmer's farms; empty for the other roles. */
  farmIds: string[];
  disabled: boolean;
}

export interface NewUser {
  name: string;
  role: Role;
  email?: string;
  phone?: string;
  password: string;
  /** Admins only (the API takes a manager's own); the farm's cooperative. */
  cooperativeId?: string;
  farmIds?: string[];
}
