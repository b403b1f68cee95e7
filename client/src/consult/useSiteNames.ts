import { useEffect, useState } from 'react';
import { listSites } from '../api/admin';

/** Site names by code, for "CH Mâcon" rather than "MACON"; empty until loaded or when the call fails. */
export function useSiteNames(): ReadonlyMap<string, string> {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    const controller = new AbortController();
    listSites(controller.signal).then(
      (sites) => setNames(new Map(sites.map((s) => [s.code, s.name]))),
      () => undefined,
    );
    return () => controller.abort();
  }, []);
  return names;
}
