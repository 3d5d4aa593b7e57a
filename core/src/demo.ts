/**
 * The demo cooperative: a melon net-house cooperative in Gia Lộc with a few member farms.
 * Its records seed the metadata store and the simulator plays its devices, so the two agree.
 */
import type { MetricName } from './metrics.ts';

export type DemoRole = 'climate' | 'substrate' | 'irrigation';

export interface DemoDevice {
  readonly id: string;
  readonly name: string;
  readonly role: DemoRole;
  readonly greenhouseId: string;
  /** Metric keys the device publishes. */
  readonly metrics: readonly string[];
  readonly actuators: readonly string[];
}

export interface DemoGreenhouse {
  readonly id: string;
  readonly farmId: string;
  readonly name: string;
  readonly areaM2: number;
  readonly structure: string;
}

export interface DemoFarm {
  readonly id: string;
  readonly name: string;
}

export interface DemoCooperative {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
  readonly locale: string;
  readonly farms: readonly DemoFarm[];
  readonly greenhouses: readonly DemoGreenhouse[];
  readonly devices: readonly DemoDevice[];
}

const ROLES: ReadonlyArray<{
  role: DemoRole;
  name: string;
  metrics: readonly (MetricName | `${MetricName}.${number}`)[];
  actuators: readonly string[];
}> = [
  {
    role: 'climate',
    name: 'Cảm biến khí hậu',
    metrics: ['air_temp_c', 'rh_pct', 'co2_ppm', 'ppfd_umol_m2_s', 'battery_v', 'rssi_dbm'],
    actuators: ['fan_1'],
  },
  {
    role: 'substrate',
    name: 'Cảm biến giá thể',
    metrics: ['soil_moisture_pct', 'soil_temp_c', 'soil_temp_c.2', 'ec_ms_cm', 'ph', 'battery_v', 'rssi_dbm'],
    actuators: [],
  },
  { role: 'irrigation', name: 'Bộ điều khiển tưới', metrics: ['water_flow_l_min', 'tank_level_pct', 'rssi_dbm'], actuators: ['valve_1'] },
];

const FARM_OWNERS = ['Nguyễn Văn An', 'Trần Thị Bình', 'Lê Văn Cường', 'Phạm Thị Dung', 'Hoàng Văn Em', 'Vũ Thị Giang'];
const DEVICES_PER_GREENHOUSE = ROLES.length;
const GREENHOUSES_PER_FARM = 2;

export const DEMO_DEFAULT_DEVICES = 18;

export function demoCooperative(deviceCount: number = DEMO_DEFAULT_DEVICES): DemoCooperative {
  const greenhouseCount = Math.ceil(deviceCount / DEVICES_PER_GREENHOUSE);
  const farmCount = Math.ceil(greenhouseCount / GREENHOUSES_PER_FARM);
  const farms = Array.from({ length: farmCount }, (_, f) => ({
    id: `farm-${f + 1}`,
    name: `Trang trại ${FARM_OWNERS[f % FARM_OWNERS.length]}${f >= FARM_OWNERS.length ? ` ${f + 1}` : ''}`,
  }));
  const greenhouses = Array.from({ length: greenhouseCount }, (_, g) => ({
    id: `gh-${g + 1}`,
    farmId: `farm-${Math.floor(g / GREENHOUSES_PER_FARM) + 1}`,
    name: `Nhà lưới ${g + 1}`,
    // 2 or 3 sào (1 sào = 360 m²), the usual size of a member's net-house.
    areaM2: g % 2 === 0 ? 720 : 1_080,
    structure: 'net-house',
  }));
  const devices = Array.from({ length: deviceCount }, (_, d) => {
    const spec = ROLES[d % DEVICES_PER_GREENHOUSE] as (typeof ROLES)[number];
    const g = Math.floor(d / DEVICES_PER_GREENHOUSE) + 1;
    return {
      id: `gh${g}-${spec.role}`,
      name: spec.name,
      role: spec.role,
      greenhouseId: `gh-${g}`,
      metrics: spec.metrics,
      actuators: spec.actuators,
    };
  });
  return {
    id: 'coop-gia-loc',
    name: 'HTX Dưa lưới Gia Lộc',
    timeZone: 'Asia/Ho_Chi_Minh',
    locale: 'vi',
    farms,
    greenhouses,
    devices,
  };
}
