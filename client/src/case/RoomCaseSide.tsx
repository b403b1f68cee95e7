import { useState, type ReactNode } from 'react';
import { errorMessageKey } from '../i18n/errors';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { getCaseOfConsult } from './api';
import { NihssPanel } from './NihssPanel';
import { useCaseRecord } from './useCaseRecord';
import './case.css';

/**
 * The video room's side panel: the chat, and the case's NIHSS scored during the call. The chat stays mounted while
 * hidden, so that its messages and unread count survive a look at the NIHSS.
 */
export function RoomCaseSide({ consultId, chat }: { consultId: string; chat: ReactNode }) {
  const { t } = useI18n();
  const [tab, setTab] = useState<'chat' | 'nihss'>('chat');
  const { record, error, mergeNihss } = useCaseRecord((signal) => getCaseOfConsult(consultId, signal), consultId);
  return (
    <div className="room-case-side">
      <div className="room-case-tabs" role="group">
        {(['chat', 'nihss'] as const).map((name) => (
          <button
            key={name}
            type="button"
            className={`case-tab${tab === name ? ' case-tab-active' : ''}`}
            aria-pressed={tab === name}
            onClick={() => setTab(name)}
            data-testid={`room-tab-${name}`}
          >
            {t(`case.room.${name}`)}
          </button>
        ))}
      </div>
      <div className="room-case-body" hidden={tab !== 'chat'}>
        {chat}
      </div>
      {tab === 'nihss' && (
        <div className="room-case-body room-case-nihss">
          {record ? (
            <>
              <p>
                <a href={`#/cases/${record.id}`} data-testid="room-case-link">
                  {t('case.room.openCase')}
                </a>
              </p>
              <NihssPanel caseId={record.id} series={record.nihss} canScore={record.can.score} onAssessment={mergeNihss} compact />
            </>
          ) : error ? (
            <Banner tone="error">{t(errorMessageKey(error))}</Banner>
          ) : (
            <p className="muted">{t('app.loading')}</p>
          )}
        </div>
      )}
    </div>
  );
}
