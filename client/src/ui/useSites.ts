import type { SiteDto } from '@telestroke/shared';
import { listSites } from '../api/admin';
import { useResource } from './useResource';

const NONE: readonly SiteDto[] = [];

/** The sites the user sees; empty until loaded or when the call fails (the screen then shows codes). */
export function useSites(): readonly SiteDto[] {
  const sites = useResource((signal) => listSites(signal), []);
  return sites.status === 'ready' ? sites.data : NONE;
}
