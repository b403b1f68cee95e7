import type { BookingDto } from '@telestroke/shared';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { RoomClosedError } from '../consult/errors';
import { worseQuality } from '../consult/quality';
import type { RoomEndReason } from '../consult/recovery';
import { RoomClient } from '../consult/RoomClient';
import { QualityDot, RemoteAudio, RemoteTile, TrackVideo } from '../consult/RoomTiles';
import { useLocalMedia } from '../consult/useLocalMedia';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { hrefFor, navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { getBooking, joinBooking } from './api';
import './scheduling.css';
import { formatParisTime } from './time';

type Connection = { status: 'joining' } | { status: 'in'; room: RoomClient } | { status: 'out'; reason: RoomEndReason | 'notOpen' };

const noSubscribe = () => () => undefined;
const noSnapshot = () => null;

/**
 * The video room of a planned teleconsultation: the consult rooms' SFU and tiles, joined with the booking's own
 * token (POST /api/bookings/{id}/join), open from 10 minutes before the start until the end.
 */
export function BookingRoomPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  useDocumentTitle(t('room.title'));
  const media = useLocalMedia();
  const [booking, setBooking] = useState<BookingDto | null>(null);
  const [connection, setConnection] = useState<Connection>({ status: 'joining' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getBooking(id, controller.signal).then(setBooking, () => undefined);
    return () => controller.abort();
  }, [id]);

  useEffect(() => {
    let cancelled = false;
    let room: RoomClient | null = null;
    setConnection({ status: 'joining' });
    const tileHeight = Math.round(Math.max(240, window.innerHeight * 0.6) * window.devicePixelRatio);
    RoomClient.create({ consultId: id, requestJoin: () => joinBooking(id), tileHeight }).then(
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
        const code = (err as { code?: string } | null)?.code;
        setConnection({ status: 'out', reason: code === 'BOOKING_STATE' ? 'notOpen' : err instanceof RoomClosedError ? err.reason : 'failed' });
      },
    );
    return () => {
      cancelled = true;
      void room?.leave();
    };
  }, [id, attempt]);

  const room = connection.status === 'in' ? connection.room : null;
  useEffect(() => {
    if (room) void room.setTrack('camera', media.camera);
  }, [room, media.camera]);
  useEffect(() => {
    if (room) void room.setTrack('microphone', media.microphone);
  }, [room, media.microphone]);

  const snapshot = useSyncExternalStore(room?.subscribe ?? noSubscribe, room ? () => room.snapshot : noSnapshot);
  const onHeight = useCallback((peerId: string, h: number) => room?.setTileHeight(peerId, h), [room]);
  const back = hrefFor({ name: 'schedule', tab: 'calendar' });

  if (connection.status === 'out') {
    return (
      <main className="page" id="main">
        <Banner tone={connection.reason === 'left' ? 'info' : 'error'} testId="room-out">
          {connection.reason === 'notOpen' ? t('schedule.room.notOpen') : t(`room.out.${connection.reason}`)}
        </Banner>
        <div className="actions">
          {connection.reason !== 'left' && (
            <button type="button" className="btn btn-primary" onClick={() => setAttempt((n) => n + 1)} data-testid="room-retry">
              {t('room.retry')}
            </button>
          )}
          <a className="btn btn-secondary" href={back}>
            {t('schedule.room.back')}
          </a>
        </div>
      </main>
    );
  }

  const state = snapshot?.state ?? 'connecting';
  const peers = snapshot?.peers ?? [];
  const quality = state === 'reconnecting' ? 'poor' : peers.reduce((q, p) => worseQuality(q, p.quality.level), snapshot?.quality.level ?? 'unknown');
  const micPaused = snapshot?.local.microphone.paused ?? false;
  const cameraPaused = snapshot?.local.camera.paused ?? false;
  const locale = LOCALES[lang];

  return (
    <div className="room room-booking" data-testid="room" data-state={state}>
      <header className="room-bar">
        <div className="room-patient">
          {booking ? (
            <>
              <strong className="mono">{booking.patientRef}</strong>
              <span>
                {t('schedule.room.line', {
                  site: booking.siteName,
                  specialist: booking.specialist.name,
                  from: formatParisTime(booking.startsAt, locale),
                  to: formatParisTime(booking.endsAt, locale),
                })}
              </span>
            </>
          ) : (
            <span>{t('room.title')}</span>
          )}
        </div>
        <div className="room-status">
          <span className={`room-state room-state-${state}`} data-testid="room-state" data-state={state}>
            {t(`room.state.${state}`)}
          </span>
          <QualityDot level={quality} testId="room-quality" />
        </div>
      </header>
      {media.problem && (
        <Banner tone="warning" testId="room-media-problem">
          {t(`room.media.${media.problem}`)}
        </Banner>
      )}
      <div className="room-body">
        <div className="room-stage" data-count={peers.length}>
          {peers.map((p) => (
            <RemoteTile key={p.peerId} peer={p} speaking={snapshot?.activeSpeakerId === p.peerId} onHeight={onHeight} />
          ))}
          {peers.length === 0 && (
            <div className="room-waiting" data-testid="room-waiting">
              <span className="spinner" aria-hidden="true" />
              {state === 'connecting' ? t('room.state.connecting') : t('room.waitingOther')}
            </div>
          )}
          <div className="tile-video tile-local" data-testid="room-local-tile">
            <TrackVideo track={media.camera} mirrored testId="room-local-video" label={t('room.you')} />
            <div className="tile-label">
              <span className="tile-name">{t('room.you')}</span>
              {micPaused && <span className="tile-muted">{t('room.micOff')}</span>}
            </div>
          </div>
        </div>
      </div>
      {peers.map((p) => (p.microphone ? <RemoteAudio key={`audio-${p.peerId}`} track={p.microphone.track} peerId={p.peerId} /> : null))}
      <footer className="room-controls">
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
        <span className="ctl-spacer" />
        <button
          type="button"
          className="ctl ctl-leave"
          onClick={() => {
            void room?.leave();
            navigate({ name: 'schedule', tab: 'calendar' });
          }}
          data-testid="room-leave"
        >
          {t('room.leave')}
        </button>
      </footer>
    </div>
  );
}
