import type { JoinConsultDto } from '@telestroke/shared';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { RoomClosedError } from './errors';
import { worseQuality, type QualityLevel } from './quality';
import type { RoomEndReason } from './recovery';
import { RoomClient } from './RoomClient';
import type { RoomSnapshot } from './RoomClientTypes';
import { QualityDot, RemoteAudio, RemoteTile, ScreenTile, TrackVideo } from './RoomTiles';
import type { LocalMedia } from './useLocalMedia';

/** Where a room stands: joining, in it, or out of it for a reason the page explains. */
export type RoomConnection<Reason extends string = RoomEndReason> =
  | { status: 'joining' }
  | { status: 'in'; room: RoomClient }
  | { status: 'out'; reason: Reason };

/**
 * Joins a video room on arrival and leaves it on departure, for urgent consults and booked sessions alike. The join
 * starts at once, alongside the camera and microphone: their tracks are added when they come. `reasonOf` may name why a
 * join failed in the page's own terms (otherwise: the room's own reason, or 'failed'); `retry()` joins again.
 */
export function useRoomConnection<Reason extends string = RoomEndReason>(options: {
  roomId: string;
  requestJoin: () => Promise<JoinConsultDto>;
  media: LocalMedia;
  reasonOf?: (err: unknown) => Reason | undefined;
}): { connection: RoomConnection<Reason | RoomEndReason>; retry: () => void } {
  const { roomId, requestJoin, media, reasonOf } = options;
  const [connection, setConnection] = useState<RoomConnection<Reason | RoomEndReason>>({ status: 'joining' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let cancelled = false;
    let room: RoomClient | null = null;
    setConnection({ status: 'joining' });
    const tileHeight = Math.round(Math.max(240, window.innerHeight * 0.6) * window.devicePixelRatio);
    RoomClient.create({ consultId: roomId, requestJoin, tileHeight }).then(
      (created) => {
        if (cancelled) {
          void created.leave();
          return;
        }
        room = created;
        created.on('closed', (reason) => setConnection({ status: 'out', reason }));
        setConnection({ status: 'in', room: created });
      },
      (err: unknown) => {
        if (cancelled) return;
        const reason = reasonOf?.(err) ?? (err instanceof RoomClosedError ? err.reason : 'failed');
        setConnection({ status: 'out', reason });
      },
    );
    const online = () => room?.retryNow();
    window.addEventListener('online', online);
    return () => {
      cancelled = true;
      window.removeEventListener('online', online);
      void room?.leave();
    };
    // requestJoin and reasonOf are read when a join starts; a new join is for a new room or a retry only.
  }, [roomId, attempt]);

  const room = connection.status === 'in' ? connection.room : null;
  useEffect(() => {
    if (room) void room.setTrack('camera', media.camera);
  }, [room, media.camera]);
  useEffect(() => {
    if (room) void room.setTrack('microphone', media.microphone);
  }, [room, media.microphone]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { connection, retry };
}

const noSubscribe = () => () => undefined;
const noSnapshot = () => null;

/** The room's live state, or null while joining. */
export function useRoomSnapshot(room: RoomClient | null): RoomSnapshot | null {
  return useSyncExternalStore(room?.subscribe ?? noSubscribe, room ? () => room.snapshot : noSnapshot);
}

/** The worst link in the room. The SFU's last stats predate a cut: while recovering, the link is poor whatever they said. */
export function roomQuality(snapshot: RoomSnapshot | null): QualityLevel {
  if (snapshot?.state === 'reconnecting') return 'poor';
  const peers = snapshot?.peers ?? [];
  return peers.reduce((q, p) => worseQuality(q, p.quality.level), snapshot?.quality.level ?? 'unknown');
}

/** The room's connection state and the worst link's quality, for the room's top bar. */
export function RoomStatus({ snapshot }: { snapshot: RoomSnapshot | null }) {
  const { t } = useI18n();
  const state = snapshot?.state ?? 'connecting';
  return (
    <div className="room-status">
      <span className={`room-state room-state-${state}`} data-testid="room-state" data-state={state}>
        {t(`room.state.${state}`)}
      </span>
      <QualityDot level={roomQuality(snapshot)} testId="room-quality" />
    </div>
  );
}

/** The tiles: shared screens, the other participants, a waiting notice while alone, and one's own camera. */
export function RoomStage({ room, snapshot, media }: { room: RoomClient | null; snapshot: RoomSnapshot | null; media: LocalMedia }) {
  const { t } = useI18n();
  const onHeight = useCallback((peerId: string, h: number) => room?.setTileHeight(peerId, h), [room]);
  const state = snapshot?.state ?? 'connecting';
  const peers = snapshot?.peers ?? [];
  const micPaused = snapshot?.local.microphone.paused ?? false;
  const cameraPaused = snapshot?.local.camera.paused ?? false;
  const selfSpeaking = snapshot !== null && snapshot.activeSpeakerId === snapshot.selfPeerId && !micPaused;
  return (
    <div className="room-stage" data-count={peers.length}>
      {peers.map((p) => (
        <ScreenTile key={`screen-${p.peerId}`} peer={p} />
      ))}
      {peers.map((p) => (
        <RemoteTile key={p.peerId} peer={p} speaking={snapshot?.activeSpeakerId === p.peerId} onHeight={onHeight} />
      ))}
      {peers.length === 0 && (
        <div className="room-waiting" data-testid="room-waiting">
          <span className="spinner" aria-hidden="true" />
          {state === 'connecting' ? t('room.state.connecting') : t('room.waitingOther')}
        </div>
      )}
      <div className={`tile-video tile-local${selfSpeaking ? ' speaking' : ''}`} data-testid="room-local-tile">
        <TrackVideo track={media.camera} mirrored testId="room-local-video" label={t('room.you')} />
        {(cameraPaused || !media.camera) && (
          <div className="tile-placeholder" aria-hidden="true">
            <span>{media.camera ? t('room.cameraOff') : t('room.noCamera')}</span>
          </div>
        )}
        <div className="tile-label">
          <span className="tile-name">{t('room.you')}</span>
          {micPaused && <span className="tile-muted">{t('room.micOff')}</span>}
        </div>
      </div>
    </div>
  );
}

/** The other participants' voices; not shown. */
export function RoomAudio({ snapshot }: { snapshot: RoomSnapshot | null }) {
  return (
    <>
      {(snapshot?.peers ?? []).map((p) =>
        p.microphone ? <RemoteAudio key={`audio-${p.peerId}`} track={p.microphone.track} peerId={p.peerId} /> : null,
      )}
    </>
  );
}

/** Mute and camera buttons, disabled until the room and the device are there. */
export function MediaToggles({ room, snapshot, media }: { room: RoomClient | null; snapshot: RoomSnapshot | null; media: LocalMedia }) {
  const { t } = useI18n();
  const micPaused = snapshot?.local.microphone.paused ?? false;
  const cameraPaused = snapshot?.local.camera.paused ?? false;
  return (
    <>
      <button
        type="button"
        className={`ctl${micPaused ? ' ctl-off' : ''}`}
        aria-pressed={micPaused}
        disabled={!room || !media.microphone}
        onClick={() => void room?.setPaused('microphone', !micPaused)}
        data-testid="room-mic"
      >
        {micPaused ? t('room.micOn') : t('room.micMute')}
      </button>
      <button
        type="button"
        className={`ctl${cameraPaused ? ' ctl-off' : ''}`}
        aria-pressed={cameraPaused}
        disabled={!room || !media.camera}
        onClick={() => void room?.setPaused('camera', !cameraPaused)}
        data-testid="room-camera"
      >
        {cameraPaused ? t('room.cameraOnAction') : t('room.cameraOffAction')}
      </button>
    </>
  );
}
