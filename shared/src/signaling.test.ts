import { describe, expect, it } from 'vitest';
import {
  CAMERA_SIMULCAST_ENCODINGS,
  SFU_METHODS,
  SfuNotificationSchema,
  SfuRequestSchema,
  SfuResponseSchema,
  spatialLayerForTileHeight,
} from './signaling';

const UUID = '3f1c2a4e-8b7d-4c1e-9a2b-5d6e7f809a1b';

describe('signaling', () => {
  it('SfuRequestSchema.parse() of each method with valid data keeps it as sent', () => {
    const requests = [
      { id: 1, method: 'getRouterRtpCapabilities' },
      { id: 2, method: 'join', data: { rtpCapabilities: { codecs: [], headerExtensions: [] }, tileHeight: 360 } },
      { id: 3, method: 'createWebRtcTransport', data: { direction: 'recv' } },
      { id: 4, method: 'setPreferredLayers', data: { consumerId: UUID, spatialLayer: 1 } },
      { id: 5, method: 'leave', data: {} },
    ];
    for (const request of requests) expect(SfuRequestSchema.parse(request)).toEqual(request);
  });

  it('SfuRequestSchema.safeParse() with an unknown key at any depth fails', () => {
    const unknownKeys = [
      { id: 1, method: 'getRouterRtpCapabilities', extra: 1 },
      { id: 1, method: 'createWebRtcTransport', data: { direction: 'send', enableSctp: true } },
      {
        id: 1,
        method: 'connectWebRtcTransport',
        data: { transportId: UUID, dtlsParameters: { fingerprints: [{ algorithm: 'sha-256', value: 'AA', x: 1 }] } },
      },
    ];
    for (const request of unknownKeys) expect(SfuRequestSchema.safeParse(request).success).toBe(false);
  });

  it('SfuRequestSchema.safeParse() of produce with a source of the wrong shape fails', () => {
    const produce = (appData: unknown) => ({
      id: 9,
      method: 'produce',
      data: {
        transportId: UUID,
        kind: 'video',
        rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] },
        appData,
      },
    });
    expect(SfuRequestSchema.safeParse(produce({ source: 'camera' })).success).toBe(true);
    expect(SfuRequestSchema.safeParse(produce({ source: 'webcam' })).success).toBe(false);
    expect(SfuRequestSchema.safeParse(produce({ source: 'camera', peerId: UUID })).success).toBe(false);
  });

  it('SFU_METHODS lists every request method, and chat is not one of them', () => {
    expect(SFU_METHODS).toContain('join');
    expect(SFU_METHODS).toContain('restartIce');
    expect(SFU_METHODS).toHaveLength(16);
    expect(SFU_METHODS.some((m) => /chat/i.test(m))).toBe(false);
  });

  it('SfuResponseSchema accepts an error answer without an id and with a code of the platform', () => {
    expect(SfuResponseSchema.parse({ id: null, ok: false, error: { code: 'MALFORMED_JSON', message: 'x' } })).toBeTruthy();
    expect(SfuResponseSchema.safeParse({ id: 1, ok: false, error: { code: 'NOPE', message: 'x' } }).success).toBe(false);
  });

  it('SfuNotificationSchema accepts activeSpeaker silence and refuses an unknown notification', () => {
    const silence = { notification: 'activeSpeaker', data: { peerId: null, volume: null } };
    expect(SfuNotificationSchema.parse(silence)).toEqual(silence);
    expect(SfuNotificationSchema.safeParse({ notification: 'chat', data: {} }).success).toBe(false);
  });

  it('spatialLayerForTileHeight() picks the smallest layer at least as tall as the tile, else the top one', () => {
    expect(CAMERA_SIMULCAST_ENCODINGS).toHaveLength(3);
    expect([90, 180, 181, 360, 361, 720, 2160].map(spatialLayerForTileHeight)).toEqual([0, 0, 1, 1, 2, 2, 2]);
  });
});
