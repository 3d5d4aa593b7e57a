import { createContext, type ReactNode, useContext } from 'react';
import { fetchGreenhouses } from './api/greenhouses.ts';
import type { GreenhouseList } from './api/types.ts';
import { type ApiState, useApi } from './api/useApi.ts';

/** Until the cooperative has answered; every Canopy cooperative so far is in Vietnam. */
const DEFAULT_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const CooperativeContext = createContext<ApiState<GreenhouseList> | undefined>(undefined);

/** Loads the cooperative and its greenhouses once for the whole app: the header, the overview and the charts' time zone use it. */
export function CooperativeProvider({ children }: { children: ReactNode }) {
  const state = useApi(fetchGreenhouses, []);
  return <CooperativeContext.Provider value={state}>{children}</CooperativeContext.Provider>;
}

export function useCooperative(): ApiState<GreenhouseList> {
  const state = useContext(CooperativeContext);
  if (!state) throw new Error('useCooperative outside CooperativeProvider');
  return state;
}

export function useTimeZone(): string {
  return useCooperative().data?.cooperative?.timeZone ?? DEFAULT_TIME_ZONE;
}
