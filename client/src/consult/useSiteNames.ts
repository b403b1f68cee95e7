import { useMemo } from 'react';
import { useSites } from '../ui/useSites';

/** Site names by code, for "CH Mâcon" rather than "MACON"; empty until loaded or when the call fails. */
export function useSiteNames(): ReadonlyMap<string, string> {
  const sites = useSites();
  return useMemo(() => new Map(sites.map((s) => [s.code, s.name])), [sites]);
}
