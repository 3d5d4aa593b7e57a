/** Metadata tables as Kysely sees them. Every row carries its cooperative. */
import type { Generated } from 'kysely';

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
  /** Free text (commune, district, province): place names are data, renamed by mergers. */
  location: string | null;
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
  /** SHA-256 (hex) of the MQTT secret; null → no valid secret (never issued or revoked). */
  secret_hash: Generated<string | null>;
  /** Raised to the global maximum + 1 at every rotation or revocation; the broker polls it. */
  credentials_version: Generated<number>;
  /** Tasmota topic or ESPHome node name. */
  topic: Generated<string | null>;
  /** JSON: raw field → canonical metric key; null → the kind's default. */
  mapping: Generated<string | null>;
  /** Minutes east of UTC of the board's clock; null → the cooperative's time zone. */
  utc_offset_min: Generated<number | null>;
  /** A zone of its current greenhouse; null → the greenhouse as a whole. Cleared when it moves. */
  zone_id: Generated<string | null>;
}

export interface ZoneTable {
  id: string;
  cooperative_id: string;
  greenhouse_id: string;
  name: string;
  created_at: number;
}

export interface ActuatorTable {
  id: string;
  cooperative_id: string;
  device_id: string;
  /** The name the device knows it by in commands, e.g. `valve_1`. */
  key: string;
  name: string;
  zone_id: string | null;
  created_at: number;
}

/** Where a device reported from, and when: [valid_from, valid_to), valid_to null while current. */
export interface DeviceAssignmentTable {
  id: Generated<number>;
  cooperative_id: string;
  device_id: string;
  greenhouse_id: string;
  valid_from: number;
  valid_to: number | null;
}

export type Role = 'admin' | 'coop_manager' | 'farmer' | 'extension_officer';

export interface UserTable {
  id: string;
  /** Null only for admins. */
  cooperative_id: string | null;
  role: Role;
  name: string;
  email: string | null;
  phone: string | null;
  password_hash: string;
  created_at: number;
  /** Set while the account is disabled: no login, no sessions, no API keys. */
  disabled_at: Generated<number | null>;
}

export interface FarmMemberTable {
  farm_id: string;
  user_id: string;
  cooperative_id: string;
}

export interface SessionTable {
  id_hash: string;
  user_id: string;
  cooperative_id: string | null;
  created_at: number;
  expires_at: number;
}

export interface ApiKeyTable {
  id: string;
  user_id: string;
  cooperative_id: string | null;
  name: string;
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface MetaSchema {
  cooperatives: CooperativeTable;
  farms: FarmTable;
  greenhouses: GreenhouseTable;
  devices: DeviceTable;
  zones: ZoneTable;
  actuators: ActuatorTable;
  device_assignments: DeviceAssignmentTable;
  users: UserTable;
  farm_members: FarmMemberTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
}
