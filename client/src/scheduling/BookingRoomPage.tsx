import { useCallback } from 'react';
import { useLocalMedia } from '../consult/useLocalMedia';
import { MediaToggles, RoomAudio, RoomStage, RoomStatus, useRoomConnection, useRoomSnapshot } from '../consult/useRoom';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { hrefFor, navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { getBooking, joinBooking } from './api';
import './scheduling.css';
import { formatParisTime } from './time';

/**
 * The video room of a planned teleconsultation: the consult rooms' SFU and tiles, joined with the booking's own
 * token (POST /api/bookings/{id}/join), open from 10 minutes before the start until the end.
 */
export function BookingRoomPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  useDocumentTitle(t('room.title'));
  const media = useLocalMedia();
  const loaded = useResource((signal) => getBooking(id, signal), [id]);
  const booking = loaded.status === 'ready' ? loaded.data : null;

  const requestJoin = useCallback(() => joinBooking(id), [id]);
  const { connection, retry } = useRoomConnection<'notOpen'>({
    roomId: id,
    requestJoin,
    media,
    // Before its opening time, a session's room answers BOOKING_STATE: say when it opens rather than "failed".
    reasonOf: (err) => ((err as { code?: string } | null)?.code === 'BOOKING_STATE' ? 'notOpen' : undefined),
  });
  const room = connection.status === 'in' ? connection.room : null;
  const snapshot = useRoomSnapshot(room);
  const back = hrefFor({ name: 'schedule', tab: 'calendar' });

  if (connection.status === 'out') {
    return (
      <main className="page" id="main">
        <Banner tone={connection.reason === 'left' ? 'info' : 'error'} testId="room-out">
          {connection.reason === 'notOpen' ? t('schedule.room.notOpen') : t(`room.out.${connection.reason}`)}
        </Banner>
        <div className="actions">
          {connection.reason !== 'left' && (
            <button type="button" className="btn btn-primary" onClick={retry} data-testid="room-retry">
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
        <RoomStatus snapshot={snapshot} />
      </header>
      {media.problem && (
        <Banner tone="warning" testId="room-media-problem">
          {t(`room.media.${media.problem}`)}
        </Banner>
      )}
      <div className="room-body">
        <RoomStage room={room} snapshot={snapshot} media={media} />
      </div>
      <RoomAudio snapshot={snapshot} />
      <footer className="room-controls">
        <MediaToggles room={room} snapshot={snapshot} media={media} />
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
