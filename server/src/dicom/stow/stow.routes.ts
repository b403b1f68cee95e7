import type { RouteSpec } from '../../http/route';
import type { ImagingRouteDeps } from '../imaging.routes';

/** STOW-RS. */
export function stowRoutes(_deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  return [];
}
