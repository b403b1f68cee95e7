import type { types as mediasoup } from 'mediasoup';

/**
 * The codecs every room's router offers. VP8 only for video: every browser we target encodes it in simulcast, and
 * mediasoup 3.8 forwards VP8 simulcast layer by layer. Opus for audio, stereo-capable as WebRTC requires.
 */
export const MEDIA_CODECS: mediasoup.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    // Chrome otherwise starts at 300 kbps and takes seconds to ramp up; the NIHSS needs a sharp picture early.
    parameters: { 'x-google-start-bitrate': 1000 },
  },
];
