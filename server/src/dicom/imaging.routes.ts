import type { Db } from '../db/Db';
import type { RouteSpec } from '../http/route';
import type { Imaging } from './Imaging';
import { stowRoutes } from './stow/stow.routes';
import { qidoRoutes } from './web/qido.routes';
import { wadoRoutes } from './web/wado.routes';

export interface ImagingRouteDeps {
  db: Db;
  imaging: Imaging;
}

/** DICOMweb under /dicom-web: STOW-RS, QIDO-RS, WADO-RS and WADO-URI. */
export function imagingRoutes(deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  return [...stowRoutes(deps), ...qidoRoutes(deps), ...wadoRoutes(deps)];
}
