import { AppError, DicomUidSchema } from '@telestroke/shared';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { visibleSiteIds, type Principal } from '../../auth/access';
import type { Logger } from '../../logger';
import { defineRoute, type RouteSpec } from '../../http/route';
import type { ImagingRouteDeps } from '../imaging.routes';
import { auditQueueOf, auditRetrieve, dicomwebBase, type RetrieveKind } from './dicomweb.audit';
import type { StoredInstanceRow, WadoScope } from './dicomweb.repository';
import { decodeRle, FrameReader } from './frames';
import {
  acceptsDicomJson,
  NATIVE_TRANSFER_SYNTAXES,
  negotiateFrames,
  negotiateRendered,
  negotiateRetrieve,
  notAcceptable,
  parseAccept,
  RLE_LOSSLESS,
  type RenderedType,
} from './media-types';
import { ClientGoneError, MultipartWriter, writeChunk } from './multipart.writer';
import { renderFrame, renderJpegFrame, type RenderOptions, type VoiFunction, type WindowSpec } from './render';
import { WadoService } from './wado.service';

const StudyParams = z.object({ study: DicomUidSchema });
const SeriesParams = StudyParams.extend({ series: DicomUidSchema });
const InstanceParams = SeriesParams.extend({ instance: DicomUidSchema });
const FramesParams = InstanceParams.extend({
  frames: z
    .string()
    .max(16_384)
    .regex(/^[1-9]\d{0,8}(,[1-9]\d{0,8})*$/, 'frame numbers from 1, comma separated'),
});

/** JPEG baseline and extended 8-bit: jpeg-js decodes them, so they can be rendered. */
const JPEG_RENDERABLE = new Set(['1.2.840.10008.1.2.4.50', '1.2.840.10008.1.2.4.51']);

const VOI_FUNCTIONS: Record<string, VoiFunction> = { linear: 'LINEAR', 'linear-exact': 'LINEAR_EXACT', sigmoid: 'SIGMOID' };

/** PS3.18 8.3.5.1.3 `window=center,width,function` (the function may be left out: linear). */
const WindowParam = z
  .string()
  .max(100)
  .transform((v, ctx): WindowSpec | typeof z.NEVER => {
    const [c, w, f, ...rest] = v.split(',');
    const center = Number(c);
    const width = Number(w);
    const fn = f === undefined ? 'LINEAR' : VOI_FUNCTIONS[f.trim().toLowerCase()];
    if (rest.length || !c?.trim() || !w?.trim() || !Number.isFinite(center) || !Number.isFinite(width) || width <= 0 || !fn) {
      ctx.addIssue({ code: 'custom', message: 'window=center,width[,linear|linear-exact|sigmoid] with width > 0' });
      return z.NEVER;
    }
    return { center, width, fn };
  });

/** PS3.18 8.3.5.1.2 `viewport=vw,vh`: the image fits inside, keeping its aspect ratio. */
const ViewportParam = z
  .string()
  .max(20)
  .transform((v, ctx): { width: number; height: number } | typeof z.NEVER => {
    const m = /^(\d{1,4}),(\d{1,4})$/.exec(v);
    const width = Number(m?.[1]);
    const height = Number(m?.[2]);
    if (!m || width < 1 || height < 1 || width > 4096 || height > 4096) {
      ctx.addIssue({ code: 'custom', message: 'viewport=width,height, each from 1 to 4096' });
      return z.NEVER;
    }
    return { width, height };
  });

const RenderedQuery = z.object({
  window: WindowParam.optional(),
  viewport: ViewportParam.optional(),
  quality: z.coerce.number().int().min(1).max(100).optional(),
});

const WadoUriQuery = z.object({
  requestType: z.literal('WADO'),
  studyUID: DicomUidSchema,
  seriesUID: DicomUidSchema,
  objectUID: DicomUidSchema,
  contentType: z.string().max(256).optional().describe('application/dicom (default), image/jpeg or image/png'),
  transferSyntax: z.string().max(64).optional().describe('Only the stored one, or *: files are sent as stored'),
  frameNumber: z.coerce.number().int().min(1).max(1_000_000).optional(),
  rows: z.coerce.number().int().min(1).max(4096).optional(),
  columns: z.coerce.number().int().min(1).max(4096).optional(),
  windowCenter: z.coerce.number().optional(),
  windowWidth: z.coerce.number().positive().optional(),
  imageQuality: z.coerce.number().int().min(1).max(100).optional(),
});

function parseFrameList(value: string): number[] {
  return value.split(',').map(Number);
}

/** WADO-RS (PS3.18 10.4) and WADO-URI (PS3.18 9): retrieve, metadata, frames and rendered images. */
export function wadoRoutes(deps: ImagingRouteDeps): RouteSpec<any, any, any>[] {
  const { db } = deps;
  const wado = new WadoService({ db, storage: deps.imaging.storage });
  const frameReader = new FrameReader();
  const auditQueue = auditQueueOf(db);

  const audit = (principal: Principal, req: Request, row: { site_id: string }, kind: RetrieveKind, scope: WadoScope, instances: number, frames?: number[]) =>
    auditRetrieve(auditQueue, principal, req.ip ?? null, {
      kind,
      siteId: row.site_id,
      studyUid: scope.studyUid,
      ...(scope.seriesUid ? { seriesUid: scope.seriesUid } : {}),
      ...(scope.sopInstanceUid ? { sopInstanceUid: scope.sopInstanceUid } : {}),
      instances,
      ...(frames ? { frames: frames.length > 20 ? frames.slice(0, 20) : frames } : {}),
    });

  async function retrieve(scope: WadoScope, kind: RetrieveKind, principal: Principal, req: Request, res: Response, log: Logger) {
    const rows = await wado.instances(scope, visibleSiteIds(principal));
    const choice = negotiateRetrieve(parseAccept(req.get('accept')), new Set(rows.map((r) => r.transfer_syntax_uid)), rows.length);
    if (!choice) {
      throw notAcceptable('Instances are sent as multipart/related; type="application/dicom", in their stored transfer syntax', {
        stored: [...new Set(rows.map((r) => r.transfer_syntax_uid))],
      });
    }
    res.set('Vary', 'Accept');
    await wado.sendInstances(res, rows, {
      multipart: choice.multipart,
      log,
      bareContentType: `application/dicom; transfer-syntax=${rows[0]!.transfer_syntax_uid}`,
      ready: audit(principal, req, rows[0]!, kind, scope, rows.length),
    });
  }

  async function metadata(scope: WadoScope, principal: Principal, req: Request, res: Response) {
    if (!acceptsDicomJson(parseAccept(req.get('accept')))) throw notAcceptable('Metadata is sent as application/dicom+json only');
    const rows = await wado.metadata(scope, visibleSiteIds(principal));
    await audit(principal, req, rows[0]!, 'metadata', scope, rows.length);
    res.set('Vary', 'Accept');
    await wado.sendMetadata(res, scope.studyUid, rows, dicomwebBase(req));
  }

  async function instanceRow(scope: WadoScope, principal: Principal): Promise<StoredInstanceRow> {
    return (await wado.instances(scope, visibleSiteIds(principal)))[0]!;
  }

  /** One frame as native bytes ready to render, or its stored JPEG. */
  async function renderedImage(row: StoredInstanceRow, frame: number, options: RenderOptions): Promise<Buffer> {
    const ts = row.transfer_syntax_uid;
    const renderable = NATIVE_TRANSFER_SYNTAXES.has(ts) || ts === RLE_LOSSLESS || JPEG_RENDERABLE.has(ts);
    if (!renderable) throw new AppError('UNPROCESSABLE', `Instances stored in transfer syntax ${ts} cannot be rendered by this server`);
    const { info, frames } = await frameReader.read(wado.absolutePath(row), ts, [frame]);
    const stored = frames[0]!;
    if (JPEG_RENDERABLE.has(ts)) return renderJpegFrame(stored, info, frame - 1, options);
    return renderFrame(ts === RLE_LOSSLESS ? decodeRle(stored, info) : stored, info, frame - 1, options);
  }

  async function rendered(scope: WadoScope, frame: number, query: z.infer<typeof RenderedQuery>, principal: Principal, req: Request, res: Response) {
    const type = negotiateRendered(parseAccept(req.get('accept')));
    if (!type) throw notAcceptable('Rendered images are image/jpeg (default) or image/png');
    const row = await instanceRow(scope, principal);
    const image = await renderedImage(row, frame, {
      type,
      ...(query.window ? { window: query.window } : {}),
      ...(query.viewport ? { viewport: query.viewport } : {}),
      ...(query.quality ? { quality: query.quality } : {}),
    });
    await audit(principal, req, row, 'rendered', scope, 1, [frame]);
    res.status(200).set({ 'Content-Type': type, 'Content-Length': String(image.length), Vary: 'Accept' }).end(image);
  }

  const common = { tag: 'dicomweb', access: 'dicom:read' as const, status: 200, raw: true };
  const retrieveErrors = ['NOT_FOUND', 'NOT_ACCEPTABLE'] as const;
  const frameErrors = ['NOT_FOUND', 'NOT_ACCEPTABLE', 'UNPROCESSABLE'] as const;

  return [
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study',
      summary: 'WADO-RS: retrieve a study as multipart/related application/dicom',
      params: StudyParams,
      errors: [...retrieveErrors],
      handler: ({ params, principal, req, res, log }) => retrieve({ studyUid: params.study }, 'study', principal!, req, res, log),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series',
      summary: 'WADO-RS: retrieve a series as multipart/related application/dicom',
      params: SeriesParams,
      errors: [...retrieveErrors],
      handler: ({ params, principal, req, res, log }) =>
        retrieve({ studyUid: params.study, seriesUid: params.series }, 'series', principal!, req, res, log),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series/instances/:instance',
      summary: 'WADO-RS: retrieve an instance as multipart/related (or bare) application/dicom',
      params: InstanceParams,
      errors: [...retrieveErrors],
      handler: ({ params, principal, req, res, log }) =>
        retrieve({ studyUid: params.study, seriesUid: params.series, sopInstanceUid: params.instance }, 'instance', principal!, req, res, log),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/metadata',
      summary: 'WADO-RS: metadata of every instance of a study, as DICOM JSON with BulkDataURI for pixel data',
      params: StudyParams,
      errors: [...retrieveErrors],
      handler: ({ params, principal, req, res }) => metadata({ studyUid: params.study }, principal!, req, res),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series/metadata',
      summary: 'WADO-RS: metadata of every instance of a series',
      params: SeriesParams,
      errors: [...retrieveErrors],
      handler: ({ params, principal, req, res }) => metadata({ studyUid: params.study, seriesUid: params.series }, principal!, req, res),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series/instances/:instance/metadata',
      summary: 'WADO-RS: metadata of an instance',
      params: InstanceParams,
      errors: [...retrieveErrors],
      handler: ({ params, principal, req, res }) =>
        metadata({ studyUid: params.study, seriesUid: params.series, sopInstanceUid: params.instance }, principal!, req, res),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series/instances/:instance/frames/:frames',
      summary: 'WADO-RS: frames (from 1, comma separated): native bytes, or the stored compressed frames',
      params: FramesParams,
      errors: [...frameErrors],
      handler: async ({ params, principal, req, res }) => {
        const scope = { studyUid: params.study, seriesUid: params.series, sopInstanceUid: params.instance };
        const numbers = parseFrameList(params.frames);
        const row = await instanceRow(scope, principal!);
        const ts = row.transfer_syntax_uid;
        const choice = negotiateFrames(parseAccept(req.get('accept')), ts, numbers.length);
        if (!choice) {
          throw notAcceptable(`Frames of this instance are available as stored (transfer syntax ${ts})`, { stored: ts });
        }
        const { info, frames } = await frameReader.read(wado.absolutePath(row), ts, numbers);
        const bodies = choice.source === 'rle-decoded' ? frames.map((f) => decodeRle(f, info)) : frames;
        await audit(principal!, req, row, 'frames', scope, 1, numbers);
        res.status(200).set('Vary', 'Accept');
        if (!choice.multipart) {
          res.set({ 'Content-Type': choice.contentType, 'Content-Length': String(bodies[0]!.length) }).end(bodies[0]);
          return;
        }
        const writer = new MultipartWriter();
        const chunks = bodies.flatMap((b) => [writer.partHeader(choice.contentType), b]);
        chunks.push(writer.trailer());
        res.set({
          'Content-Type': writer.contentType(choice.partType),
          'Content-Length': String(chunks.reduce((n, c) => n + c.length, 0)),
        });
        try {
          for (const c of chunks) await writeChunk(res, c);
          res.end();
        } catch (err) {
          if (!(err instanceof ClientGoneError)) throw err;
        }
      },
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series/instances/:instance/rendered',
      summary: 'WADO-RS: the first frame of an instance rendered as JPEG (default) or PNG; window, viewport, quality',
      params: InstanceParams,
      query: RenderedQuery,
      errors: [...frameErrors],
      handler: ({ params, query, principal, req, res }) =>
        rendered({ studyUid: params.study, seriesUid: params.series, sopInstanceUid: params.instance }, 1, query, principal!, req, res),
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/studies/:study/series/:series/instances/:instance/frames/:frames/rendered',
      summary: 'WADO-RS: one frame rendered as JPEG (default) or PNG; window, viewport, quality',
      params: FramesParams,
      query: RenderedQuery,
      errors: [...frameErrors],
      handler: ({ params, query, principal, req, res }) => {
        const numbers = parseFrameList(params.frames);
        if (numbers.length !== 1) throw new AppError('BAD_REQUEST', 'Rendered frames are served one at a time');
        return rendered(
          { studyUid: params.study, seriesUid: params.series, sopInstanceUid: params.instance },
          numbers[0]!,
          query,
          principal!,
          req,
          res,
        );
      },
    }),
    defineRoute({
      ...common,
      method: 'get',
      path: '/dicom-web/wado',
      summary: 'WADO-URI: one instance as its Part 10 file (contentType=application/dicom, default) or rendered (image/jpeg, image/png)',
      query: WadoUriQuery,
      errors: [...frameErrors, 'BAD_REQUEST'],
      handler: async ({ query, principal, req, res, log }) => {
        const scope = { studyUid: query.studyUID, seriesUid: query.seriesUID, sopInstanceUid: query.objectUID };
        const wanted = (query.contentType ?? 'application/dicom').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
        const type = wanted.find((t) => ['application/dicom', '*/*', 'image/jpeg', 'image/png', 'image/*'].includes(t));
        if (!type) throw notAcceptable('contentType must be application/dicom, image/jpeg or image/png');
        if ((query.windowCenter === undefined) !== (query.windowWidth === undefined)) {
          throw new AppError('BAD_REQUEST', 'windowCenter and windowWidth go together');
        }
        const row = await instanceRow(scope, principal!);
        if (type === 'application/dicom' || type === '*/*') {
          const ts = query.transferSyntax;
          if (ts !== undefined && ts !== '*' && ts !== row.transfer_syntax_uid) {
            throw notAcceptable(`The instance is stored in transfer syntax ${row.transfer_syntax_uid} and sent as stored`);
          }
          await wado.sendInstances(res, [row], { multipart: false, log, ready: audit(principal!, req, row, 'wado-uri', scope, 1) });
          return;
        }
        const rendering: RenderedType = type === 'image/png' ? 'image/png' : 'image/jpeg';
        const image = await renderedImage(row, query.frameNumber ?? 1, {
          type: rendering,
          ...(query.windowCenter !== undefined && query.windowWidth !== undefined
            ? { window: { center: query.windowCenter, width: query.windowWidth, fn: 'LINEAR' as const } }
            : {}),
          ...(query.rows || query.columns ? { viewport: { width: query.columns ?? 4096, height: query.rows ?? 4096 } } : {}),
          ...(query.imageQuality ? { quality: query.imageQuality } : {}),
        });
        await audit(principal!, req, row, 'wado-uri', scope, 1, [query.frameNumber ?? 1]);
        res.status(200).set({ 'Content-Type': rendering, 'Content-Length': String(image.length) }).end(image);
      },
    }),
  ];
}
