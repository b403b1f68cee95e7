import type { RouteSpec } from '../../http/route';
import type { ImagingRouteDeps } from '../imaging.routes';

/** QIDO-RS. */
export function qidoRoutes(_deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  return [];
}
