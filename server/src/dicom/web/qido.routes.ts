import { AppError, DicomUidSchema } from '@telestroke/shared';
import { z } from 'zod';
import { visibleSiteIds } from '../../auth/access';
import type { RouteSpec } from '../../http/route';
import type { ImagingRouteDeps } from '../imaging.routes';
import { auditQuery, auditQueueOf, dicomwebBase } from './dicomweb.audit';
import { scopeIsVisible } from './dicomweb.repository';
import { acceptsDicomJson, notAcceptable, parseAccept } from './media-types';
import { MATCHABLE_ATTRIBUTES, parseQidoQuery, type QidoLevel } from './qido.query';
import { QidoService } from './qido.service';

const value = z.union([z.string(), z.array(z.string())]).optional();

/**
 * The query string as documented in the OpenAPI description. Any key is let through here: parseQidoQuery()
 * checks them all, because keywords and hex tags name the same attributes.
 */
const QidoQuerySchema = z
  .object({
    limit: value.describe('Results per page; default and maximum 1000 (10000 for instances)'),
    offset: value.describe('Results to skip'),
    includefield: value.describe('Keywords or hex tags to add, comma separated, or `all`'),
    fuzzymatching: value.describe('Accepted and ignored: names already match insensitively to case and accents'),
    ...Object.fromEntries(MATCHABLE_ATTRIBUTES.map((a) => [a.keyword, value.describe(`${a.tag}, ${a.level} level`)])),
  })
  .catchall(value);

type LevelParams = { study?: string; series?: string };
const StudyParams = z.object({ study: DicomUidSchema });
const SeriesParams = z.object({ study: DicomUidSchema, series: DicomUidSchema });

const WARNING_TRUNCATED =
  '299 telestroke "The number of results exceeded the maximum supported by the server. Additional results can be requested."';

/** QIDO-RS (PS3.18 10.6): studies, series of a study, instances of a series or of a study. */
export function qidoRoutes(deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  const qido = new QidoService(deps.db);
  const auditQueue = auditQueueOf(deps.db);

  const route = (level: QidoLevel, path: string, summary: string, params?: z.ZodType<LevelParams>): RouteSpec<LevelParams, Record<string, unknown>> =>
    ({
      method: 'get',
      path,
      summary,
      tag: 'dicomweb',
      access: 'dicom:read',
      ...(params ? { params } : {}),
      query: QidoQuerySchema,
      status: 200,
      errors: ['NOT_FOUND', 'NOT_ACCEPTABLE'],
      raw: true,
      handler: async ({ params, query, principal, ip, req, res }) => {
        if (!acceptsDicomJson(parseAccept(req.get('accept')))) {
          throw notAcceptable('QIDO-RS answers application/dicom+json only');
        }
        const { study, series } = params;
        const q = parseQidoQuery(level, query);
        const siteIds = visibleSiteIds(principal!);
        const { results, truncated } = await qido.search(q, {
          siteIds,
          base: dicomwebBase(req),
          ...(study !== undefined ? { studyUid: study } : {}),
          ...(series !== undefined ? { seriesUid: series } : {}),
        });
        if (results.length === 0 && study !== undefined) {
          const visible = await scopeIsVisible(deps.db, { studyUid: study, ...(series !== undefined ? { seriesUid: series } : {}) }, siteIds);
          // A study outside the caller's sites answers exactly as a missing one.
          if (!visible) throw new AppError('NOT_FOUND', series !== undefined ? 'Series not found' : 'Study not found');
        }
        await auditQuery(auditQueue, principal!, ip, {
          level,
          ...(study !== undefined ? { studyUid: study } : {}),
          ...(series !== undefined ? { seriesUid: series } : {}),
          matchedOn: q.matchedOn,
          results: results.length,
        });
        if (truncated) res.set('Warning', WARNING_TRUNCATED);
        // PS3.18 allows 204 for no match; 200 with [] is what dicomweb-client, OHIF and Orthanc handle alike.
        res.status(200).set('Content-Type', 'application/dicom+json').end(JSON.stringify(results));
      },
    });

  return [
    route('study', '/dicom-web/studies', 'QIDO-RS: search studies of the visible sites'),
    route('series', '/dicom-web/studies/:study/series', 'QIDO-RS: search the series of a study', StudyParams),
    route('instance', '/dicom-web/studies/:study/series/:series/instances', 'QIDO-RS: search the instances of a series', SeriesParams),
    route('instance', '/dicom-web/studies/:study/instances', 'QIDO-RS: search the instances of a study', StudyParams),
  ];
}
