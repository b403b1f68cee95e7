import { useId, useMemo } from 'react';
import { listAudit, listSiteUsers } from '../api/admin';
import { useI18n } from '../i18n/I18nProvider';
import { useResource } from '../ui/useResource';
import { auditActorLabel } from './auditActor';
import { LoadState } from './LoadState';

const LIMIT = 50;

interface AuditPanelProps {
  siteCode: string;
  /** With users:read, actors are shown by name rather than by id. */
  canReadUsers: boolean;
}

export function AuditPanel({ siteCode, canReadUsers }: AuditPanelProps) {
  const { t, formatDateTime } = useI18n();
  const ids = useId();
  const entries = useResource((signal) => listAudit(siteCode, LIMIT, signal), [siteCode]);
  const users = useResource(
    (signal) => (canReadUsers ? listSiteUsers(siteCode, signal) : Promise.resolve([])),
    [siteCode, canReadUsers],
  );
  const userList = users.status === 'ready' ? users.data : null;
  const names = useMemo(() => new Map((userList ?? []).map((u) => [u.id, `${u.name} <${u.email}>`])), [userList]);
  const none = t('common.none');

  return (
    <section className="card" aria-labelledby={`${ids}-title`} data-testid="audit-panel">
      <div className="card-heading">
        <h2 id={`${ids}-title`}>{t('admin.audit.title')}</h2>
        <button type="button" className="btn btn-secondary" onClick={entries.reload} data-testid="audit-refresh">
          {t('common.refresh')}
        </button>
      </div>
      <p className="muted">{t('admin.audit.help', { limit: LIMIT })}</p>

      {entries.status !== 'ready' ? (
        <LoadState resource={entries} onRetry={entries.reload} />
      ) : entries.data.length === 0 ? (
        <p className="muted">{t('admin.audit.empty')}</p>
      ) : (
        <table className="data-table" data-testid="audit-table">
          <thead>
            <tr>
              <th scope="col">{t('admin.audit.colAt')}</th>
              <th scope="col">{t('admin.audit.colActor')}</th>
              <th scope="col">{t('admin.audit.colAction')}</th>
              <th scope="col">{t('admin.audit.colResource')}</th>
              <th scope="col">{t('admin.audit.colIp')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.data.map((entry) => (
              <tr key={entry.seq} data-testid="audit-row">
                <td data-label={t('admin.audit.colAt')}>{formatDateTime(entry.at)}</td>
                <td data-label={t('admin.audit.colActor')} className="cell-wrap">
                  {auditActorLabel(entry, names, t)}
                </td>
                <td data-label={t('admin.audit.colAction')} className="mono">
                  {entry.action}
                </td>
                <td data-label={t('admin.audit.colResource')} className="cell-wrap">
                  {entry.resourceType ? [entry.resourceType, entry.resourceId].filter(Boolean).join(' ') : none}
                </td>
                <td data-label={t('admin.audit.colIp')} className="mono">
                  {entry.ip ?? none}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
