import type { SiteDto } from '@telestroke/shared';
import { useEffect, useState } from 'react';
import { listSites } from '../api/admin';

/** The sites the user sees; empty until loaded or when the call fails (the screen then shows codes). */
export function useSites(): readonly SiteDto[] {
  const [sites, setSites] = useState<readonly SiteDto[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    listSites(controller.signal).then(setSites, () => undefined);
    return () => controller.abort();
  }, []);
  return sites;
}
