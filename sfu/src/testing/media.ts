import type { DtlsParameters, RtpParameters } from '@telestroke/shared';

// What mediasoup-client would send for a browser's camera and microphone, written out by hand: the SFU cannot
// tell them from the real thing until media flows, which these tests do with plain RTP instead.

/** A VP8 camera in three simulcast encodings, as Chrome sends it through mediasoup-client. */
export function cameraRtpParameters(): RtpParameters {
  return {
    mid: '0',
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 96,
        clockRate: 90000,
        parameters: {},
        rtcpFeedback: [
          { type: 'goog-remb', parameter: '' },
          { type: 'transport-cc', parameter: '' },
          { type: 'ccm', parameter: 'fir' },
          { type: 'nack', parameter: '' },
          { type: 'nack', parameter: 'pli' },
        ],
      },
      { mimeType: 'video/rtx', payloadType: 97, clockRate: 90000, parameters: { apt: 96 }, rtcpFeedback: [] },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} },
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', id: 2, encrypt: false, parameters: {} },
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id', id: 3, encrypt: false, parameters: {} },
    ],
    encodings: [
      { rid: 'r0', active: true, scalabilityMode: 'L1T3', scaleResolutionDownBy: 4, maxBitrate: 150000 },
      { rid: 'r1', active: true, scalabilityMode: 'L1T3', scaleResolutionDownBy: 2, maxBitrate: 500000 },
      { rid: 'r2', active: true, scalabilityMode: 'L1T3', scaleResolutionDownBy: 1, maxBitrate: 1500000 },
    ],
    rtcp: { cname: 'test-camera', reducedSize: true },
  };
}

/** An Opus microphone. */
export function microphoneRtpParameters(ssrc = 1111): RtpParameters {
  return {
    mid: '1',
    codecs: [
      {
        mimeType: 'audio/opus',
        payloadType: 111,
        clockRate: 48000,
        channels: 2,
        parameters: { minptime: 10, useinbandfec: 1 },
        rtcpFeedback: [{ type: 'transport-cc', parameter: '' }],
      },
    ],
    headerExtensions: [
      { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} },
      { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 10, encrypt: false, parameters: {} },
    ],
    encodings: [{ ssrc, dtx: false }],
    rtcp: { cname: 'test-microphone', reducedSize: true },
  };
}

/** The VP8 stream ffmpeg sends with `-payload_type 101 -ssrc 22222222` (see `startFfmpegVp8()`). */
export const FFMPEG_SSRC = 22222222;
export function ffmpegVp8RtpParameters(): RtpParameters {
  return {
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: 101,
        clockRate: 90000,
        rtcpFeedback: [
          { type: 'nack', parameter: '' },
          { type: 'nack', parameter: 'pli' },
          { type: 'ccm', parameter: 'fir' },
        ],
      },
    ],
    encodings: [{ ssrc: FFMPEG_SSRC }],
    rtcp: { cname: 'ffmpeg', reducedSize: false },
  };
}

/** DTLS parameters of a client that will never actually connect: enough for mediasoup to record them. */
export function clientDtlsParameters(): DtlsParameters {
  const value = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':');
  return { role: 'client', fingerprints: [{ algorithm: 'sha-256', value }] };
}
