import type { RtpParameters } from '@telestroke/shared';

/**
 * mediasoup-client's RTP parameters as the SFU's `produce` takes them. The SFU's schema is strict, and mediasoup-client
 * 3.24 adds `msid` (the sending stream's id, which mediasoup 3.8 does not use): it is left out.
 */
export function toSfuRtpParameters(rtpParameters: object): RtpParameters {
  const { msid: _msid, ...rest } = rtpParameters as RtpParameters & { msid?: unknown };
  return rest;
}
