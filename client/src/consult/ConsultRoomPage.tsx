import type { ConsultDto, MeDto } from '@telestroke/shared';
import { useCallback, useEffect, useState } from 'react';
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
import type { RoomClient } from './RoomClient';
import { useLocalMedia, type LocalMedia } from './useLocalMedia';
import { MediaToggles, RoomAudio, RoomStage, RoomStatus, useRoomConnection, useRoomSnapshot } from './useRoom';

/** The consult's video room: joins on arrival, leaves on departure. */
export function ConsultRoomPage({ me, id }: { me: MeDto; id: string }) {
  const { t } = useI18n();
  useDocumentTitle(t('room.title'));
  const media = useLocalMedia();
  const [consult, setConsult] = useState<ConsultDto | null>(null);

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

  const requestJoin = useCallback(() => joinConsult(id), [id]);
  const { connection, retry } = useRoomConnection({ roomId: id, requestJoin, media });
  const room = connection.status === 'in' ? connection.room : null;

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
            <button type="button" className="btn btn-primary" onClick={retry} data-testid="room-retry">
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

function RoomView({ me, consultId, consult, room, media }: RoomViewProps) {
  const { t } = useI18n();
  const snapshot = useRoomSnapshot(room);
  const [panel, setPanel] = useState<'devices' | 'end' | null>(null);
  const [chatOpen, setChatOpen] = useState(false);
  const [unread, setUnread] = useState(0);
  const [screenError, setScreenError] = useState(false);

  const state = snapshot?.state ?? 'connecting';
  const sharing = Boolean(snapshot?.local.screen.track);
  // Either participant records the outcome: the neurologist decides, the ward doctor may be the one who closes.
  const canEnd =
    consult !== null && (consult.acceptedBy?.id === me.user.id || consult.requestedBy.id === me.user.id);

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
        <RoomStatus snapshot={snapshot} />
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
        <RoomStage room={room} snapshot={snapshot} media={media} />
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

      <RoomAudio snapshot={snapshot} />

      <footer className="room-controls">
        <MediaToggles room={room} snapshot={snapshot} media={media} />
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
