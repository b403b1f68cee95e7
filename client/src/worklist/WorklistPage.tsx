import { READ_STATUSES, type MeDto, type ReadRequestDto, type ReadStatus } from '@telestroke/shared';
import { useEffect, useMemo, useState } from 'react';
import { hasPermission } from '../auth/permissions';
import { EnableAlertsButton } from '../consult/ConsultAlerts';
import { errorMessageKey } from '../i18n/errors';
import { useI18n } from '../i18n/I18nProvider';
import { useRealtimeStatus, useServerEvents } from '../realtime/RealtimeProvider';
import { hrefFor, navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { listWorklist, reportPdfHref } from './api';
import { ClaimControls } from './ClaimControls';
import { EscalatedBadge, PriorityBadge, SlaCountdown, StatusBadge } from './RequestBadges';
import { Thumbnail } from './Thumbnail';
import { useSites } from '../ui/useSites';
import { compareRequests, modalityOptions, upsertRequest, type WorklistFilters } from './worklist';
import './worklist.css';

/**
 * The urgent-read queue, live. Hub readers (neurologists, radiologists) see every remote site's studies and claim
 * them; ward doctors see their own site's studies and the reports sent back, read only.
 */
export function WorklistPage({ me }: { me: MeDto }) {
  const { t } = useI18n();
  const reader = hasPermission(me, 'worklist:claim');
  useDocumentTitle(reader ? t('worklist.title') : t('worklist.title.ward'));
  const [filters, setFilters] = useState<WorklistFilters>({});
  const loaded = useResource((signal) => listWorklist(filters, signal), [filters.siteCode, filters.modality, filters.status]);
  // Live changes go on top of the last load; a reload (after a dropped channel) starts again from the server's list.
  const data = loaded.status === 'ready' ? loaded.data : null;
  const base = useMemo(() => (data ? [...data].sort(compareRequests) : null), [data]);
  const [live, setLive] = useState<ReadRequestDto[] | null>(null);
  useEffect(() => setLive(null), [base]);
  const requests = live ?? base ?? [];
  const upsert = (r: ReadRequestDto) => setLive((list) => upsertRequest(list ?? base ?? [], r, filters));
  const realtime = useRealtimeStatus();
  const sites = useSites();
  const remoteSites = sites.filter((s) => s.kind === 'remote');

  useServerEvents(
    (event) => {
      if (event.type === 'worklist.updated' || event.type === 'worklist.alert' || event.type === 'worklist.report') {
        upsert(event.request);
      }
    },
    () => loaded.reload(),
  );

  const filtered = filters.siteCode !== undefined || filters.modality !== undefined || filters.status !== undefined;
  const set = (patch: Partial<WorklistFilters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <main className="page wl-page" id="main">
      <p className="breadcrumb">
        <a href="#/">← {t('common.backHome')}</a>
      </p>
      <div className="card-heading">
        <h1>{reader ? t('worklist.title') : t('worklist.title.ward')}</h1>
        {realtime !== 'connecting' && (
          <span className="wl-live" role="status" data-testid="worklist-live" data-state={realtime}>
            <span className={`dot ${realtime === 'open' ? 'dot-on' : 'dot-off'}`} aria-hidden="true" />
            {realtime === 'open' ? t('worklist.live') : t('worklist.offline')}
          </span>
        )}
        {reader && <EnableAlertsButton />}
      </div>
      {!reader && <p className="muted">{t('worklist.intro.ward')}</p>}

      <form className="wl-filters" aria-label={t('worklist.filters')} onSubmit={(e) => e.preventDefault()}>
        {remoteSites.length > 1 && (
          <div className="field">
            <label htmlFor="wl-filter-site">{t('worklist.filter.site')}</label>
            <select
              id="wl-filter-site"
              value={filters.siteCode ?? ''}
              onChange={(e) => set({ siteCode: e.target.value || undefined })}
              data-testid="worklist-filter-site"
            >
              <option value="">{t('worklist.filter.all')}</option>
              {remoteSites.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor="wl-filter-modality">{t('worklist.filter.modality')}</label>
          <select
            id="wl-filter-modality"
            value={filters.modality ?? ''}
            onChange={(e) => set({ modality: e.target.value || undefined })}
            data-testid="worklist-filter-modality"
          >
            <option value="">{t('worklist.filter.all')}</option>
            {modalityOptions(requests).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="wl-filter-status">{t('worklist.filter.status')}</label>
          <select
            id="wl-filter-status"
            value={filters.status ?? ''}
            onChange={(e) => set({ status: (e.target.value || undefined) as ReadStatus | undefined })}
            data-testid="worklist-filter-status"
          >
            <option value="">{t('worklist.filter.all')}</option>
            {READ_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`worklist.status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button type="button" className="btn btn-ghost" onClick={() => setFilters({})} data-testid="worklist-filter-reset">
            {t('worklist.filter.reset')}
          </button>
        )}
      </form>

      {loaded.status === 'error' && <Banner tone="error">{t(errorMessageKey(loaded.error))}</Banner>}
      {loaded.status === 'loading' && !base && <p>{t('app.loading')}</p>}
      {(loaded.status === 'ready' || base) &&
        (requests.length === 0 ? (
          <p className="muted wl-empty" data-testid="worklist-empty">
            {filtered ? t('worklist.emptyFiltered') : reader ? t('worklist.empty') : t('worklist.empty.ward')}
          </p>
        ) : (
          <>
            <p className="muted wl-count">{t('worklist.count', { n: requests.length })}</p>
            <ul className="wl-list" data-testid="worklist-list">
              {requests.map((r) => (
                <WorklistRow key={r.id} request={r} me={me} onChanged={upsert} />
              ))}
            </ul>
          </>
        ))}
    </main>
  );
}

function WorklistRow({ request, me, onChanged }: { request: ReadRequestDto; me: MeDto; onChanged(r: ReadRequestDto): void }) {
  const { t, lang, formatDateTime } = useI18n();
  const readHref = hrefFor({ name: 'worklistRead', id: request.id });
  const breached = request.slaBreached && request.status !== 'reported';
  return (
    <li
      className={`wl-row wl-row-${request.status} wl-row-${request.priority}${breached ? ' wl-row-breached' : ''}`}
      data-testid="worklist-row"
      data-request-id={request.id}
      data-study-uid={request.studyInstanceUid}
      data-status={request.status}
      data-priority={request.priority}
    >
      <a className="wl-row-thumb" href={readHref} tabIndex={-1} aria-hidden="true">
        <Thumbnail studyInstanceUid={request.studyInstanceUid} version={request.status === 'arriving' ? 'arriving' : 'stored'} />
      </a>
      <div className="wl-row-main">
        <div className="wl-row-badges">
          <PriorityBadge request={request} />
          <StatusBadge request={request} />
          <EscalatedBadge request={request} />
          <SlaCountdown request={request} />
        </div>
        <a className="wl-row-title" href={readHref} data-testid="worklist-row-title">
          {request.siteName} · {request.modalities.join(', ') || '—'} ·{' '}
          {request.description ?? t('worklist.noDescription')}
        </a>
        <span className="wl-row-meta">
          {t('worklist.counts', { series: request.seriesCount, instances: request.instanceCount })} ·{' '}
          {t('worklist.receivedAt', { at: formatDateTime(request.firstImageAt) })}
          {request.patientRef && (
            <>
              {' · '}
              <span className="mono">{t('worklist.patientRef', { ref: request.patientRef })}</span>
            </>
          )}
          {request.consultId && (
            <>
              {' · '}
              <a href={hrefFor({ name: 'consult', id: request.consultId })}>{t('worklist.consultLink')}</a>
            </>
          )}
        </span>
        {request.report && (
          <span className="wl-row-report" data-testid="worklist-row-report">
            {t('worklist.reportBy', {
              score: request.report.aspectsScore,
              recommendation: t(`report.recommendation.${request.report.recommendation}`),
              name: request.report.signedBy.name,
            })}
            {request.report.addendumCount > 0 && ` · ${t('worklist.addenda', { n: request.report.addendumCount })}`}
            {' · '}
            <a href={reportPdfHref(request.id, lang)} target="_blank" rel="noopener" data-testid="worklist-row-pdf">
              {t('worklist.pdf')}
            </a>
          </span>
        )}
      </div>
      <ClaimControls
        request={request}
        me={me}
        onChanged={onChanged}
        onClaimed={(r) => navigate({ name: 'worklistRead', id: r.id })}
        openHref={readHref}
      />
    </li>
  );
}
