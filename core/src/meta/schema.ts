/** Metadata tables as Kysely sees them. Every row carries its cooperative. */
export interface CooperativeTable {
  id: string;
  name: string;
  time_zone: string;
  locale: string;
  created_at: number;
}

export interface FarmTable {
  id: string;
  cooperative_id: string;
  name: string;
  created_at: number;
}

export interface GreenhouseTable {
  id: string;
  cooperative_id: string;
  farm_id: string;
  name: string;
  area_m2: number | null;
  structure: string | null;
  created_at: number;
}

export type DeviceKind = 'canopy' | 'tasmota' | 'esphome';

export interface DeviceTable {
  id: string;
  cooperative_id: string;
  greenhouse_id: string | null;
  name: string;
  kind: DeviceKind;
  /** Usual telemetry interval, for staleness. */
  interval_s: number;
  created_at: number;
}

export interface MetaSchema {
  cooperatives: CooperativeTable;
  farms: FarmTable;
  greenhouses: GreenhouseTable;
  devices: DeviceTable;
}
