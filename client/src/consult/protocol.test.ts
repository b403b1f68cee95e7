import { RtpParametersSchema } from '@telestroke/shared';
import { testFakeParameters } from 'mediasoup-client';
import { describe, expect, it } from 'vitest';
import { toSfuRtpParameters } from './protocol';

describe('toSfuRtpParameters()', () => {
  it('toSfuRtpParameters() leaves out msid, which the SFU’s strict schema refuses, and keeps the rest', () => {
    const { rtpParameters } = testFakeParameters.generateConsumerRemoteParameters({ codecMimeType: 'video/VP8' });
    const sent = { ...rtpParameters, msid: 'stream track' };
    expect(RtpParametersSchema.safeParse(sent).success).toBe(false);
    const cleaned = toSfuRtpParameters(sent);
    expect(RtpParametersSchema.safeParse(cleaned).success).toBe(true);
    expect(cleaned).toEqual(rtpParameters);
  });
});
