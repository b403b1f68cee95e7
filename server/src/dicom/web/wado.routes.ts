import type { RouteSpec } from '../../http/route';
import type { ImagingRouteDeps } from '../imaging.routes';

/** WADO-RS and WADO-URI. */
export function wadoRoutes(_deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  return [];
}
