import type { MeDto, ReadRequestDetailDto, ReadRequestDto, SignedReportDto } from '@telestroke/shared';
import { lazy, Suspense, useEffect, useState } from 'react';
import { hasPermission } from '../auth/permissions';
import { errorMessageKey } from '../i18n/errors';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { getReadRequest } from './api';
import { ClaimControls } from './ClaimControls';
import { ReportForm } from './ReportForm';
import { EscalatedBadge, PriorityBadge, SlaCountdown, StatusBadge } from './RequestBadges';
import { SignedReport } from './SignedReport';
import './worklist.css';

// cornerstone and its codecs weigh more than the rest of the app: loaded when a study is first opened.
const ViewerPage = lazy(() => import('../viewer/ViewerPage').then((m) => ({ default: m.ViewerPage })));

/**
 * One urgent read: the study in the viewer, the structured report beside it. The reader holding the claim writes
 * and signs; everyone else who sees the study follows it live, and the sending site gets the signed report as soon
 * as it is signed.
 */
export function ReadPage({ me, id }: { me: MeDto; id: string }) {
  const { t } = useI18n();
  useDocumentTitle(t('read.title'));
  const loaded = useResource((signal) => getReadRequest(id, signal), [id]);
  const [detail, setDetail] = useState<ReadRequestDetailDto | null>(null);
  const fetched = loaded.status === 'ready' ? loaded.data : null;
  useEffect(() => {
    if (fetched) setDetail(fetched);
  }, [fetched]);

  useServerEvents(
    (event) => {
      if (event.type === 'worklist.report' && event.request.id === id) {
        setDetail((d) => (d ? { ...d, request: event.request, report: event.report, draft: null } : d));
      } else if ((event.type === 'worklist.updated' || event.type === 'worklist.alert') && event.request.id === id) {
        const r = event.request;
        // Given the claim by someone else (a reassignment): fetch the draft that may be waiting.
        if (detail && r.claimedBy?.id === me.user.id && detail.request.claimedBy?.id !== me.user.id) loaded.reload();
        setDetail((d) => (d ? { ...d, request: r } : d));
      }
    },
    () => loaded.reload(),
  );

  if (!detail) {
    return (
      <main className="page" id="main">
        <p className="breadcrumb">
          <a href="#/worklist">← {t('read.back')}</a>
        </p>
        {loaded.status === 'error' ? <Banner tone="error">{t(errorMessageKey(loaded.error))}</Banner> : <p>{t('app.loading')}</p>}
      </main>
    );
  }

  const panel = (
    <ReportPanel
      me={me}
      detail={detail}
      onRequest={(request) => setDetail((d) => (d ? { ...d, request } : d))}
      onSigned={(report) =>
        setDetail((d) =>
          d
            ? {
                ...d,
                report,
                draft: null,
                request: { ...d.request, status: 'reported', report: summaryOf(report) },
              }
            : d,
        )
      }
      onStale={() => loaded.reload()}
    />
  );

  return (
    <main className="read-page" id="main" data-testid="read-page" data-request-id={id}>
      <Suspense fallback={<p className="read-viewer-loading">{t('read.viewerLoading')}</p>}>
        <ViewerPage
          studyInstanceUid={detail.request.studyInstanceUid}
          sidePanel={panel}
          onClose={() => navigate({ name: 'worklist' })}
        />
      </Suspense>
    </main>
  );
}

function summaryOf(report: SignedReportDto): NonNullable<ReadRequestDto['report']> {
  return {
    signedBy: report.signedBy,
    signedAt: report.signedAt,
    aspectsScore: report.aspectsScore,
    recommendation: report.findings.recommendation,
    addendumCount: report.addenda.length,
  };
}

interface ReportPanelProps {
  me: MeDto;
  detail: ReadRequestDetailDto;
  onRequest(request: ReadRequestDto): void;
  onSigned(report: SignedReportDto): void;
  onStale(): void;
}

function ReportPanel({ me, detail, onRequest, onSigned, onStale }: ReportPanelProps) {
  const { t, formatDateTime } = useI18n();
  const { request, report, draft } = detail;
  const reader = hasPermission(me, 'worklist:claim');
  const mine = request.claimedBy?.id === me.user.id;

  let body;
  if (report) {
    body = (
      <SignedReport
        report={report}
        canAddAddendum={reader}
        onAddendum={onSigned}
      />
    );
  } else if (mine && request.status === 'claimed' && hasPermission(me, 'report:sign')) {
    body = <ReportForm key={request.claimedAt ?? ''} requestId={request.id} me={me} initial={draft} onSigned={onSigned} onStale={onStale} />;
  } else if (!reader) {
    body = (
      <p className="read-waiting" data-testid="read-waiting">
        {t('read.waitingReport')}
      </p>
    );
  } else if (request.claimedBy && !mine) {
    body = (
      <p className="read-waiting" data-testid="read-waiting">
        {t('read.claimedByOther', { name: request.claimedBy.name })}
      </p>
    );
  } else {
    body = <p className="read-waiting">{t('read.claimFirst')}</p>;
  }

  return (
    <section className="read-panel" aria-labelledby="read-panel-title" data-testid="report-panel" data-status={request.status}>
      <p className="read-back">
        <a href="#/worklist">← {t('read.back')}</a>
      </p>
      <div className="wl-row-badges">
        <PriorityBadge request={request} />
        <StatusBadge request={request} />
        <EscalatedBadge request={request} />
        <SlaCountdown request={request} />
      </div>
      <h1 id="read-panel-title" className="read-title">
        {request.siteName} · {request.modalities.join(', ') || '—'}
      </h1>
      <p className="muted read-meta">
        {request.description ?? t('worklist.noDescription')} ·{' '}
        {t('worklist.receivedAt', { at: formatDateTime(request.firstImageAt) })}
        {request.patientRef && (
          <>
            {' · '}
            <span className="mono">{t('worklist.patientRef', { ref: request.patientRef })}</span>
          </>
        )}
      </p>
      {request.status === 'arriving' && <p className="hint">{t('read.arriving')}</p>}
      {reader && request.status !== 'reported' && <ClaimControls request={request} me={me} onChanged={onRequest} />}
      {!report && <h2 className="read-panel-heading">{t('read.panel')}</h2>}
      {body}
    </section>
  );
}
