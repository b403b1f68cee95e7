import { AppError, type JoinConsultDto } from '@telestroke/shared';
import { issueSfuToken, SFU_TOKEN_DEFAULT_TTL_SECONDS, type SfuTokenClaims } from '@telestroke/shared/sfu-token';
import type { UserPrincipal } from '../auth/access';
import type { VideoSettings } from './consult.service';
import { iceServersFor } from './ice';

/** The key of join tokens, or 503 UNAVAILABLE when this server has none: checked before anything is recorded. */
export function tokenSecretOf(video: VideoSettings): string {
  if (!video.tokenSecret) {
    throw new AppError('UNAVAILABLE', 'Video consults are not configured on this server (SFU_TOKEN_SECRET is unset)');
  }
  return video.tokenSecret;
}

/**
 * What a participant needs to enter the video room `roomId` (an urgent consult's or a booking's id): a join token
 * signed at `now`, the SFU's address and ICE servers; and the token's claims, for the audit entry.
 */
export function roomJoin(
  video: VideoSettings,
  secret: string,
  user: UserPrincipal,
  roomId: string,
  now: number = Date.now(),
): { join: JoinConsultDto; claims: SfuTokenClaims } {
  const self = { userId: user.id, displayName: user.name, role: user.role };
  const { token, claims } = issueSfuToken(
    { consultId: roomId, ...self },
    secret,
    video.tokenTtlSeconds ?? SFU_TOKEN_DEFAULT_TTL_SECONDS,
    now,
  );
  return {
    join: {
      consultId: roomId,
      sfuUrl: video.sfuUrl,
      token,
      expiresAt: new Date(claims.exp * 1000).toISOString(),
      iceServers: iceServersFor(user.id, video.ice, now),
      self,
    },
    claims,
  };
}
