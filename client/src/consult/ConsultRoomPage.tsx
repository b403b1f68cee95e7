import type { ConsultDto, MeDto } from '@telestroke/shared';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { RoomCaseSide } from '../case/RoomCaseSide';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { getConsult, joinConsult } from './api';
import { ChatPanel } from './ChatPanel';
import { LkwElapsed } from './ConsultSummary';
import { DevicePanel } from './DevicePanel';
import { EndConsultPanel } from './EndConsultPanel';
import { RoomClosedError } from './errors';
import { worseQuality } from './quality';
import type { RoomEndReason } from './recovery';
import { RoomClient } from './RoomClient';
import { QualityDot, RemoteAudio, RemoteTile, ScreenTile, TrackVideo } from './RoomTiles';
import { useLocalMedia, type LocalMedia } from './useLocalMedia';

type Connection =
  | { status: 'joining' }
  | { status: 'in'; room: RoomClient }
  | { status: 'out'; reason: RoomEndReason };

/** The consult's video room: joins on arrival, leaves on departure. */
export function ConsultRoomPage({ me, id }: { me: MeDto; id: string }) {
  const { t } = useI18n();
  useDocumentTitle(t('room.title'));
  const media = useLocalMedia();
  const [consult, setConsult] = useState<ConsultDto | null>(null);
  const [connection, setConnection] = useState<Connection>({ status: 'joining' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getConsult(id, controller.signal).then(setConsult, () => undefined);
    return () => controller.abort();
  }, [id]);

  useServerEvents(
    (event) => {
      if (event.type === 'consult.updated' && event.consult.id === id) setConsult(event.consult);
    },
    () => void getConsult(id).then(setConsult, () => undefined),
  );

  // The join starts at once, alongside the camera and microphone: their tracks are added when they come.
  useEffect(() => {
    let cancelled = false;
    let room: RoomClient | null = null;
    setConnection({ status: 'joining' });
    const tileHeight = Math.round(Math.max(240, window.innerHeight * 0.6) * window.devicePixelRatio);
    RoomClient.create({ consultId: id, requestJoin: () => joinConsult(id), tileHeight }).then(
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
        if (!cancelled) setConnection({ status: 'out', reason: err instanceof RoomClosedError ? err.reason : 'failed' });
      },
    );
    const online = () => room?.retryNow();
    window.addEventListener('online', online);
    return () => {
      cancelled = true;
      window.removeEventListener('online', online);
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

  const ended = consult?.status === 'ended' || consult?.status === 'cancelled';
  useEffect(() => {
    if (ended) room?.close();
  }, [ended, room]);

  if (ended || (connection.status === 'out' && connection.reason === 'roomClosed')) {
    return (
      <main className="page" id="main">
        <Banner tone="info" testId="room-ended">
          {consult?.outcome
            ? t('consult.endedWith', { outcome: t(`consult.outcome.${consult.outcome}`) })
            : t('room.ended')}
        </Banner>
        <p>
          <a className="btn btn-primary" href={`#/consults/${id}`}>
            {t('room.backToConsult')}
          </a>
        </p>
      </main>
    );
  }

  if (connection.status === 'out') {
    return (
      <main className="page" id="main">
        <Banner tone={connection.reason === 'left' ? 'info' : 'error'} testId="room-out">
          {t(`room.out.${connection.reason}`)}
        </Banner>
        <div className="actions">
          {connection.reason !== 'left' && (
            <button type="button" className="btn btn-primary" onClick={() => setAttempt((n) => n + 1)} data-testid="room-retry">
              {t('room.retry')}
            </button>
          )}
          <a className="btn btn-secondary" href={`#/consults/${id}`}>
            {t('room.backToConsult')}
          </a>
        </div>
      </main>
    );
  }

  return <RoomView me={me} consultId={id} consult={consult} room={room} media={media} />;
}

interface RoomViewProps {
  me: MeDto;
  consultId: string;
  consult: ConsultDto | null;
  /** Null while joining. */
  room: RoomClient | null;
  media: LocalMedia;
}

/** Where the chat folds under a button; keep in step with styles.css. */
const NARROW = '(max-width: 900px)';
const noSubscribe = () => () => undefined;
const noSnapshot = () => null;

function RoomView({ me, consultId, consult, room, media }: RoomViewProps) {
  const { t } = useI18n();
  const snapshot = useSyncExternalStore(room?.subscribe ?? noSubscribe, room ? () => room.snapshot : noSnapshot);
  const [panel, setPanel] = useState<'devices' | 'end' | null>(null);
  const [chatOpen, setChatOpen] = useState(false);
  const [unread, setUnread] = useState(0);
  const [screenError, setScreenError] = useState(false);
  const onHeight = useCallback((peerId: string, h: number) => room?.setTileHeight(peerId, h), [room]);

  const state = snapshot?.state ?? 'connecting';
  const peers = snapshot?.peers ?? [];
  const micPaused = snapshot?.local.microphone.paused ?? false;
  const cameraPaused = snapshot?.local.camera.paused ?? false;
  const sharing = Boolean(snapshot?.local.screen.track);
  // The SFU's last stats predate a cut: while recovering, the link is poor whatever they said.
  const quality =
    state === 'reconnecting'
      ? 'poor'
      : peers.reduce((q, p) => worseQuality(q, p.quality.level), snapshot?.quality.level ?? 'unknown');
  // Either participant records the outcome: the neurologist decides, the ward doctor may be the one who closes.
  const canEnd =
    consult !== null && (consult.acceptedBy?.id === me.user.id || consult.requestedBy.id === me.user.id);
  const selfSpeaking = snapshot !== null && snapshot.activeSpeakerId === snapshot.selfPeerId && !micPaused;

  async function toggleScreen() {
    if (!room) return;
    setScreenError(false);
    const current = room.snapshot.local.screen.track;
    if (current) {
      await room.setTrack('screen', null);
      current.stop();
      return;
    }
    try {
      const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
      const track = stream.getVideoTracks()[0];
      if (!track) return;
      track.addEventListener('ended', () => void room.setTrack('screen', null));
      await room.setTrack('screen', track);
    } catch {
      setScreenError(true);
    }
  }

  async function leave() {
    await room?.leave();
    navigate({ name: 'consult', id: consultId });
  }

  return (
    <div className={`room${chatOpen ? ' chat-open' : ''}`} data-testid="room" data-state={state}>
      <header className="room-bar">
        <div className="room-patient">
          {consult ? (
            <>
              <strong className="mono">{consult.patientRef}</strong>
              <span>
                {t('consult.patientLine', {
                  age: consult.ageYears,
                  sex: t(`consult.sex.${consult.sex}`),
                  weight: consult.weightKg,
                })}
              </span>
              <LkwElapsed lastKnownWellAt={consult.lastKnownWellAt} testId="room-lkw" />
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

      {state === 'reconnecting' && (
        <div className="room-reconnecting" role="status" data-testid="room-reconnecting">
          <span className="spinner" aria-hidden="true" />
          {t('room.reconnecting')}
        </div>
      )}
      {media.problem && (
        <Banner tone="warning" testId="room-media-problem">
          {t(`room.media.${media.problem}`)}
        </Banner>
      )}
      {screenError && <Banner tone="warning">{t('room.screenFailed')}</Banner>}

      <div className="room-body">
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
        <aside className="room-side">
          <RoomCaseSide
            consultId={consultId}
            chat={
              <ChatPanel
                consultId={consultId}
                me={me}
                onIncoming={() => {
                  // Beside the video on a landscape screen the chat is always in view; in portrait it folds away.
                  if (!chatOpen && window.matchMedia(NARROW).matches) setUnread((n) => n + 1);
                }}
              />
            }
          />
        </aside>
      </div>

      {peers.map((p) =>
        p.microphone ? <RemoteAudio key={`audio-${p.peerId}`} track={p.microphone.track} peerId={p.peerId} /> : null,
      )}

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
        <button
          type="button"
          className={`ctl${sharing ? ' ctl-active' : ''}`}
          aria-pressed={sharing}
          disabled={!room || typeof navigator.mediaDevices?.getDisplayMedia !== 'function'}
          onClick={() => void toggleScreen()}
          data-testid="room-screen"
        >
          {sharing ? t('room.screenStop') : t('room.screenShare')}
        </button>
        <button type="button" className="ctl" onClick={() => setPanel(panel === 'devices' ? null : 'devices')} data-testid="room-devices">
          {t('room.devices')}
        </button>
        <button
          type="button"
          className="ctl ctl-chat"
          aria-pressed={chatOpen}
          onClick={() => {
            setChatOpen(!chatOpen);
            setUnread(0);
          }}
          data-testid="room-chat-toggle"
        >
          {t('chat.title')}
          {unread > 0 && <span className="count">{unread}</span>}
        </button>
        <span className="ctl-spacer" />
        <button type="button" className="ctl ctl-leave" onClick={() => void leave()} data-testid="room-leave">
          {t('room.leave')}
        </button>
        {canEnd && (
          <button type="button" className="ctl ctl-end" onClick={() => setPanel('end')} data-testid="room-end">
            {t('room.end.button')}
          </button>
        )}
      </footer>

      {panel === 'devices' && <DevicePanel media={media} onClose={() => setPanel(null)} />}
      {panel === 'end' && (
        <EndConsultPanel
          consultId={consultId}
          onCancel={() => setPanel(null)}
          onEnded={(ended) => {
            void room?.leave();
            navigate({ name: 'consult', id: ended.id });
          }}
        />
      )}
    </div>
  );
}
