import type { MeDto } from '@telestroke/shared';
import { useState } from 'react';
import { hasPermission } from '../auth/permissions';
import { errorMessageKey } from '../i18n/errors';
import { useI18n } from '../i18n/I18nProvider';
import { useRealtimeStatus } from '../realtime/RealtimeProvider';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { getCase, summaryPdfHref } from './api';
import { CaseClocks } from './CaseClocks';
import { CaseMessages } from './CaseMessages';
import { DecisionPanel } from './DecisionPanel';
import { InsField } from './InsField';
import { NihssPanel } from './NihssPanel';
import { StudiesPanel } from './StudiesPanel';
import { ThrombolysisPanel } from './ThrombolysisPanel';
import { TimelinePanel } from './TimelinePanel';
import { useCaseRecord } from './useCaseRecord';
import './case.css';

const TABS = ['timeline', 'nihss', 'thrombolysis', 'decision', 'messages'] as const;
type Tab = (typeof TABS)[number];

/**
 * The stroke case: its clocks always in view, then one section at a time (a tablet's screen is small): timeline and
 * imaging, the shared NIHSS, the thrombolysis assistant, decision and transfer, messages.
 */
export function CasePage({ me, id }: { me: MeDto; id: string }) {
  const { t, lang } = useI18n();
  useDocumentTitle(t('case.title'));
  const { record, error, reload, setRecord, mergeNihss } = useCaseRecord((signal) => getCase(id, signal), id);
  const [tab, setTab] = useState<Tab>('timeline');
  const live = useRealtimeStatus();

  if (!record) {
    return (
      <main className="page" id="main">
        <p className="breadcrumb">
          <a href="#/consults">← {t('consult.list.title')}</a>
        </p>
        {error ? <Banner tone="error">{t(errorMessageKey(error))}</Banner> : <p>{t('app.loading')}</p>}
      </main>
    );
  }

  const canWrite = hasPermission(me, 'case:write');
  return (
    <main className="page case-page" id="main" data-testid="case-page" data-case-id={record.id}>
      <p className="breadcrumb">
        <a href={`#/consults/${record.consultId}`}>← {t('case.back')}</a>
      </p>
      <header className="case-header">
        <div>
          <h1>{t('case.title')}</h1>
          <p className="case-patient">
            <span className="mono" data-testid="case-patient-ref">
              {t('case.patientRef', { ref: record.patientRef })}
            </span>
            <InsField record={record} canWrite={hasPermission(me, 'case:write')} onSaved={setRecord} />
            <span>
              {' · '}
              {t('consult.patientLine', {
                age: record.consult.ageYears,
                sex: t(`consult.sex.${record.consult.sex}`),
                weight: record.consult.weightKg,
              })}
            </span>
            <span className="muted"> · {record.siteName}</span>
          </p>
        </div>
        <div className="case-header-actions">
          <span className={`case-live case-live-${live}`} data-testid="case-live" data-state={live}>
            {live === 'open' ? t('case.live') : t('case.offline')}
          </span>
          <a className="btn btn-secondary" href={summaryPdfHref(record.id, lang)} target="_blank" rel="noreferrer" data-testid="case-pdf">
            {t('case.pdf')}
          </a>
        </div>
      </header>
      <CaseClocks record={record} />

      <nav className="case-tabs" aria-label={t('case.tabs')}>
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            className={`case-tab${tab === name ? ' case-tab-active' : ''}`}
            aria-current={tab === name ? 'page' : undefined}
            onClick={() => setTab(name)}
            data-testid={`case-tab-${name}`}
          >
            {t(`case.tab.${name}`)}
            {name === 'nihss' && record.nihss.length > 0 && (
              <span className="count">{record.nihss[record.nihss.length - 1]!.total}</span>
            )}
          </button>
        ))}
      </nav>

      {tab === 'timeline' && (
        <div className="case-grid">
          <TimelinePanel record={record} canEnter={canWrite} onRecord={setRecord} />
          <StudiesPanel record={record} />
        </div>
      )}
      {tab === 'nihss' && (
        <NihssPanel caseId={record.id} series={record.nihss} canScore={record.can.score} onAssessment={mergeNihss} />
      )}
      {tab === 'thrombolysis' && (
        <ThrombolysisPanel record={record} me={me} canAct={canWrite} onChanged={reload} />
      )}
      {tab === 'decision' && <DecisionPanel record={record} onRecord={setRecord} />}
      {tab === 'messages' &&
        (record.can.message ? (
          <CaseMessages caseId={record.id} me={me} />
        ) : (
          <p className="muted">{t('case.messages.notParticipant')}</p>
        ))}
    </main>
  );
}
