import type { MeDto } from '@telestroke/shared';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { AdminPage } from './admin/AdminPage';
import { getMe, logout } from './api/auth';
import { isApiError, onSessionLost } from './api/http';
import { LoginPage, type LoginNotice } from './auth/LoginPage';
import { CasePage } from './case/CasePage';
import { ConsultAlerts } from './consult/ConsultAlerts';
import { ConsultPage } from './consult/ConsultPage';
import { ConsultRequestPage } from './consult/ConsultRequestPage';
import { ConsultsPage } from './consult/ConsultsPage';
import { HomePage } from './home/HomePage';
import { errorMessageKey } from './i18n/errors';
import type { MessageKey } from './i18n/fr';
import { useT } from './i18n/I18nProvider';
import { AppHeader } from './layout/AppHeader';
import { NotFoundPage } from './layout/NotFoundPage';
import { MetricsPage } from './metrics/MetricsPage';
import { StatusScreen } from './layout/StatusScreen';
import { RealtimeProvider } from './realtime/RealtimeProvider';
import { navigate, useRoute } from './router';
import { Banner } from './ui/Banner';
import { BookingReminders } from './scheduling/BookingReminders';
import { SchedulePage } from './scheduling/SchedulePage';
import { ReadPage } from './worklist/ReadPage';
import { WorklistAlerts } from './worklist/WorklistAlerts';
import { WorklistPage } from './worklist/WorklistPage';

// The video room carries mediasoup-client: loaded when first needed (and prefetched by the consult screen).
const ConsultRoomPage = lazy(() => import('./consult/ConsultRoomPage').then((m) => ({ default: m.ConsultRoomPage })));
const BookingRoomPage = lazy(() => import('./scheduling/BookingRoomPage').then((m) => ({ default: m.BookingRoomPage })));
// The viewer carries cornerstone and its codecs: loaded when a study is first opened.
const ViewerPage = lazy(() => import('./viewer/ViewerPage').then((m) => ({ default: m.ViewerPage })));

type Session =
  | { status: 'loading' }
  | { status: 'unreachable'; error: MessageKey }
  | { status: 'anonymous'; notice: LoginNotice | null }
  | { status: 'authenticated'; me: MeDto };

export function App() {
  const t = useT();
  const [session, setSession] = useState<Session>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getMe({ signal: controller.signal, reportSessionLoss: false }).then(
      (me) => {
        if (!controller.signal.aborted) setSession({ status: 'authenticated', me });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        if (isApiError(err) && err.status === 401) {
          // A fresh visitor is simply not signed in; only an explicit expiry deserves a notice.
          setSession({ status: 'anonymous', notice: err.code === 'SESSION_EXPIRED' ? 'expired' : null });
        } else {
          setSession({ status: 'unreachable', error: errorMessageKey(err) });
        }
      },
    );
    return () => controller.abort();
  }, [attempt]);

  useEffect(() => onSessionLost(() => setSession({ status: 'anonymous', notice: 'expired' })), []);

  const refreshMe = useCallback(async () => {
    try {
      setSession({ status: 'authenticated', me: await getMe() });
    } catch {
      // A lost session is handled by onSessionLost; anything else leaves the current, slightly stale, view.
    }
  }, []);

  switch (session.status) {
    case 'loading':
      return <StatusScreen title={t('app.loading')} />;
    case 'unreachable':
      return (
        <StatusScreen title={t('app.unreachable.title')}>
          <Banner tone="error">{t(session.error)}</Banner>
          <p>{t('app.unreachable.body')}</p>
          <button
            type="button"
            className="btn btn-primary btn-block"
            onClick={() => {
              setSession({ status: 'loading' });
              setAttempt((n) => n + 1);
            }}
          >
            {t('app.retry')}
          </button>
        </StatusScreen>
      );
    case 'anonymous':
      return (
        <LoginPage notice={session.notice} onLoggedIn={(me) => setSession({ status: 'authenticated', me })} />
      );
    case 'authenticated':
      return (
        <SignedIn
          me={session.me}
          onAccountChanged={refreshMe}
          onLoggedOut={() => setSession({ status: 'anonymous', notice: 'loggedOut' })}
        />
      );
  }
}

interface SignedInProps {
  me: MeDto;
  /** Never rejects. */
  onAccountChanged(): Promise<void>;
  onLoggedOut(): void;
}

function SignedIn({ me, onAccountChanged, onLoggedOut }: SignedInProps) {
  const t = useT();
  const route = useRoute();
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<MessageKey | null>(null);

  async function handleLogout() {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await logout();
    } catch (err) {
      // Any other failure leaves the server session open: say so rather than pretend the user is out.
      if (!(isApiError(err) && err.status === 401)) {
        setLoggingOut(false);
        setLogoutError(errorMessageKey(err));
        return;
      }
    }
    // The next person on a shared ward tablet starts from home, not from the previous user's screen.
    navigate({ name: 'home' });
    onLoggedOut();
  }

  let page;
  switch (route.name) {
    case 'home':
      page = <HomePage me={me} onAccountChanged={onAccountChanged} />;
      break;
    case 'admin':
      page = <AdminPage me={me} requestedSite={route.siteCode} />;
      break;
    case 'consults':
      page = <ConsultsPage me={me} />;
      break;
    case 'consultNew':
      page = <ConsultRequestPage />;
      break;
    case 'consult':
      page = <ConsultPage key={route.id} me={me} id={route.id} />;
      break;
    case 'consultRoom':
      page = (
        <Suspense
          fallback={
            <main className="page" id="main">
              <p>{t('app.loading')}</p>
            </main>
          }
        >
          <ConsultRoomPage key={route.id} me={me} id={route.id} />
        </Suspense>
      );
      break;
    case 'case':
      page = <CasePage key={route.id} me={me} id={route.id} />;
      break;
    case 'worklist':
      page = <WorklistPage me={me} />;
      break;
    case 'worklistRead':
      page = <ReadPage key={route.id} me={me} id={route.id} />;
      break;
    case 'study':
      page = (
        <Suspense fallback={<StatusScreen title={t('app.loading')} />}>
          <ViewerPage key={route.studyInstanceUid} studyInstanceUid={route.studyInstanceUid} />
        </Suspense>
      );
      break;
    case 'schedule':
      page = <SchedulePage me={me} tab={route.tab} />;
      break;
    case 'bookingRoom':
      page = (
        <Suspense fallback={<StatusScreen title={t('app.loading')} />}>
          <BookingRoomPage key={route.id} id={route.id} />
        </Suspense>
      );
      break;
    case 'metrics':
      page = <MetricsPage />;
      break;
    case 'notFound':
      page = <NotFoundPage />;
      break;
  }

  return (
    <RealtimeProvider>
      <AppHeader me={me} loggingOut={loggingOut} onLogout={() => void handleLogout()} />
      <ConsultAlerts me={me} />
      <BookingReminders me={me} />
      <WorklistAlerts me={me} />
      {logoutError && (
        <div className="page page-banner">
          <Banner tone="error" testId="logout-error">
            {t(logoutError)}
          </Banner>
        </div>
      )}
      {page}
    </RealtimeProvider>
  );
}
