import { AppError, DicomUidSchema, SiteCodeSchema, type SiteDto } from '@telestroke/shared';
import type { Request } from 'express';
import { z } from 'zod';
import { recordAudit } from '../../audit/audit.service';
import type { Principal } from '../../auth/access';
import { defineRoute, type HandlerInput, type RouteSpec } from '../../http/route';
import { findSiteByCode } from '../../sites/site.repository';
import type { ImagingRouteDeps } from '../imaging.routes';
import type { IngestContext } from '../ingest.service';
import { stowBoundary } from './multipart';
import { countsOf, storeInstancesResponse, stowStatus, StowService } from './stow.service';

const StowQuerySchema = z
  .object({
    /** The site the instances are stored under; needed only by a user who belongs to several sites. */
    site: SiteCodeSchema.optional(),
  })
  .strict();
const StudyParamsSchema = z.object({ study: DicomUidSchema }).strict();

/** Distinct study UIDs kept in one audit entry: a request normally carries one or two. */
const AUDITED_STUDIES = 20;

/**
 * Where the instances go: a gateway token's own site; for a user, the site named by `?site=` (which the router found
 * visible) when it is one of the user's own sites, else their only own site. Hub staff may see remote sites but send
 * only for their own.
 */
export function stowSite(principal: Principal, named: SiteDto | undefined): SiteDto {
  if (principal.kind === 'token') return principal.site;
  const own = principal.sites.own;
  if (named) {
    if (!own.some((s) => s.id === named.id)) {
      throw new AppError('FORBIDDEN', 'Studies can be sent only for a site one belongs to');
    }
    return named;
  }
  if (own.length === 1) return own[0]!;
  if (own.length === 0) throw new AppError('FORBIDDEN', 'The account belongs to no site to send studies for');
  const codes = own.map((s) => s.code).join(', ');
  throw new AppError('BAD_REQUEST', `Name the site to store under with ?site=CODE, one of ${codes}`);
}

function dicomWebBase(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/dicom-web`;
}

/** STOW-RS (PS3.18 §10.5): `POST /dicom-web/studies` and `POST /dicom-web/studies/{study}`. */
export function stowRoutes(deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  const service = new StowService({ db: deps.db, ingest: deps.imaging.ingest });

  const handler = async (input: HandlerInput<{ study?: string }, z.infer<typeof StowQuerySchema>, undefined>) => {
    const { req, res, principal, params, log } = input;
    const site = stowSite(principal!, input.site);
    const boundary = stowBoundary(req.get('content-type'), req.get('content-encoding'));
    const expectedStudyUid = params.study;
    const started = process.hrtime.bigint();
    const ctx: IngestContext = {
      siteId: site.id,
      siteCode: site.code,
      via: 'stow',
      ...(expectedStudyUid ? { expectedStudyUid } : {}),
    };
    const summary = await service.store(req, boundary, ctx, log);
    const counts = countsOf(summary.outcomes);
    const studies = [
      ...new Set(summary.outcomes.flatMap((o) => (o.status === 'rejected' ? [] : [o.studyInstanceUid]))),
    ];
    try {
      await recordAudit(deps.db, {
        actorType: principal!.kind,
        actorId: principal!.kind === 'user' ? principal!.id : principal!.tokenId,
        action: 'dicom.stow',
        resourceType: 'study',
        resourceId: expectedStudyUid ?? (studies.length === 1 ? studies[0]! : null),
        siteId: site.id,
        ip: input.ip,
        details: {
          ...counts,
          bytes: summary.bytes,
          studies: studies.slice(0, AUDITED_STUDIES),
          ...(summary.malformed ? { malformed: summary.malformed.code } : {}),
          ...(summary.aborted ? { aborted: true } : {}),
        },
      });
    } catch (err) {
      // The instances are stored and must be acknowledged: a lost audit entry is an alarm for operators, not the client.
      log.error({ err }, 'STOW audit entry could not be written');
    }
    log.info(
      { site: site.code, ...counts, bytes: summary.bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 },
      'STOW request processed',
    );
    // The client is gone: there is nobody to answer, the audit entry says what was stored.
    if (summary.aborted) return;
    const ok = counts.stored + counts.duplicate;
    if (summary.outcomes.length === 0) throw new AppError('BAD_REQUEST', 'The request holds no instance');
    // PS3.18: 400 when nothing could be stored because of bad syntax; with some stored, the answer lists the failure.
    if (summary.malformed && ok === 0) {
      throw new AppError('BAD_REQUEST', `The request is not well-formed multipart: ${summary.malformed.message}`, {
        failed: counts.failed,
      });
    }
    const seriesOf = await service.seriesOf(
      summary.outcomes.flatMap((o) => (o.status === 'rejected' ? [] : [o.sopInstanceUid])),
    );
    const body = storeInstancesResponse(summary.outcomes, {
      baseUrl: dicomWebBase(req),
      seriesOf,
      ...(expectedStudyUid ? { expectedStudyUid } : {}),
    });
    res.status(stowStatus(counts)).type('application/dicom+json').send(JSON.stringify(body));
  };

  const common = {
    method: 'post' as const,
    tag: 'dicom-web',
    access: 'dicom:store' as const,
    query: StowQuerySchema,
    site: async ({ query }: { query: z.infer<typeof StowQuerySchema> }) =>
      query.site ? findSiteByCode(deps.db, query.site) : undefined,
    // The handler streams the multipart body itself: the router must not read it.
    raw: true,
    status: 200,
    errors: ['BAD_REQUEST', 'NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE'] as const,
  };
  return [
    defineRoute({
      ...common,
      errors: [...common.errors],
      path: '/dicom-web/studies',
      summary:
        'STOW-RS: store the instances of a multipart/related; type="application/dicom" body; answers the PS3.18 Store ' +
        'Instances Response (200 all stored, 202 some failed, 409 none stored)',
      handler: (input) => handler({ ...input, params: {} }),
    }),
    defineRoute({
      ...common,
      errors: [...common.errors],
      path: '/dicom-web/studies/:study',
      params: StudyParamsSchema,
      summary: 'STOW-RS to one study: instances of any other study fail with a study UID mismatch',
      handler,
    }),
  ];
}
