import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import type { QualityLevel } from './quality';
import type { RemotePeer } from './RoomClientTypes';

interface TrackVideoProps {
  track: MediaStreamTrack | null;
  /** The local preview is shown as in a mirror, as people expect to see themselves. */
  mirrored?: boolean;
  testId?: string;
  peerId?: string;
  label: string;
}

/** A `<video>` showing one track. Always muted: sound plays through RemoteAudio, so nobody hears themselves. */
export function TrackVideo({ track, mirrored, testId, peerId, label }: TrackVideoProps) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    video.srcObject = track ? new MediaStream([track]) : null;
    if (track) video.play().catch(() => undefined);
  }, [track]);
  return (
    <video
      ref={ref}
      className={mirrored ? 'mirrored' : undefined}
      autoPlay
      playsInline
      muted
      aria-label={label}
      data-testid={testId}
      data-peer-id={peerId}
    />
  );
}

/** The remote voices; not shown. */
export function RemoteAudio({ track, peerId }: { track: MediaStreamTrack; peerId: string }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    const audio = ref.current;
    if (!audio) return;
    audio.srcObject = new MediaStream([track]);
    audio.play().catch(() => undefined);
  }, [track]);
  return <audio ref={ref} autoPlay data-testid="room-remote-audio" data-peer-id={peerId} />;
}

export function QualityDot({ level, testId }: { level: QualityLevel; testId?: string }) {
  const { t } = useI18n();
  return (
    <span className={`quality quality-${level}`} data-testid={testId} data-level={level} title={t(`room.quality.${level}`)}>
      <span className="quality-bars" aria-hidden="true">
        <i />
        <i />
        <i />
      </span>
      <span className="quality-label">{t(`room.quality.${level}`)}</span>
    </span>
  );
}

interface RemoteTileProps {
  peer: RemotePeer;
  speaking: boolean;
  /** Reports the tile's height in device pixels, for the simulcast layer. */
  onHeight(peerId: string, heightPx: number): void;
}

/** Another participant's camera, with their name, role, microphone state and link quality. */
export function RemoteTile({ peer, speaking, onHeight }: RemoteTileProps) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) onHeight(peer.peerId, entry.contentRect.height * window.devicePixelRatio);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [peer.peerId, onHeight]);

  const cameraOff = !peer.camera || peer.camera.paused;
  const micOff = !peer.microphone || peer.microphone.paused;
  return (
    <div
      ref={ref}
      className={`tile-video tile-remote${speaking ? ' speaking' : ''}`}
      data-testid="room-remote-tile"
      data-peer-id={peer.peerId}
      data-speaking={speaking}
    >
      <TrackVideo
        track={peer.camera?.track ?? null}
        testId="room-remote-video"
        peerId={peer.peerId}
        label={t('room.videoOf', { name: peer.displayName })}
      />
      {cameraOff && (
        <div className="tile-placeholder" aria-hidden="true">
          <span className="avatar">{initials(peer.displayName)}</span>
          <span>{peer.camera ? t('room.cameraOffRemote') : t('room.noVideo')}</span>
        </div>
      )}
      <div className="tile-label">
        <span className="tile-name" data-testid="room-remote-name">
          {peer.displayName}
        </span>
        <span className="tile-role">{t(`role.${peer.role}`)}</span>
        {micOff && (
          <span className="tile-muted" data-testid="room-remote-muted">
            {t('room.micOffRemote')}
          </span>
        )}
        <QualityDot level={peer.quality.level} />
      </div>
    </div>
  );
}

/** A shared screen, shown large: scans and ECGs are read on it. */
export function ScreenTile({ peer }: { peer: RemotePeer }) {
  const { t } = useI18n();
  if (!peer.screen) return null;
  return (
    <div className="tile-video tile-screen" data-testid="room-remote-screen" data-peer-id={peer.peerId}>
      <TrackVideo track={peer.screen.track} label={t('room.screenOf', { name: peer.displayName })} />
      <div className="tile-label">
        <span className="tile-name">{t('room.screenOf', { name: peer.displayName })}</span>
      </div>
    </div>
  );
}

export function initials(name: string): string {
  const words = name
    .replace(/^(dr|pr|dre)\.?\s+/i, '')
    .split(/\s+/)
    .filter(Boolean);
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
}
