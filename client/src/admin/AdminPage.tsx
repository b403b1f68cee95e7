import type { MeDto } from '@telestroke/shared';
import { useEffect } from 'react';
import { listSites } from '../api/admin';
import { canAdminister, hasPermission } from '../auth/permissions';
import { useT } from '../i18n/I18nProvider';
import { navigate } from '../router';
import { Banner } from '../ui/Banner';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { useResource } from '../ui/useResource';
import { AeTitlesPanel } from './AeTitlesPanel';
import { AuditPanel } from './AuditPanel';
import { resolveAdminSite } from './sites';
import { SitePicker } from './SitePicker';
import { TokensPanel } from './TokensPanel';

export function AdminPage({ me, requestedSite }: { me: MeDto; requestedSite: string | null }) {
  const t = useT();
  useDocumentTitle(t('admin.title'));
  const siteCode = resolveAdminSite(me, requestedSite);
  const sites = useResource((signal) => listSites(signal), []);

  useEffect(() => {
    if (siteCode !== null && siteCode !== requestedSite) navigate({ name: 'admin', siteCode }, { replace: true });
  }, [siteCode, requestedSite]);

  let body;
  if (!canAdminister(me)) {
    body = <Banner tone="warning">{t('admin.forbidden')}</Banner>;
  } else if (siteCode === null) {
    body = <Banner tone="info">{t('admin.noSites')}</Banner>;
  } else {
    body = (
      <>
        <SitePicker
          siteCodes={me.visibleSiteCodes}
          sites={sites.status === 'ready' ? sites.data : null}
          value={siteCode}
          onChange={(code) => navigate({ name: 'admin', siteCode: code }, { replace: true })}
        />
        {/* Keyed by site so that a half-typed form or a shown token never carries over to another site. */}
        {hasPermission(me, 'tokens:manage') && <TokensPanel key={`tokens-${siteCode}`} siteCode={siteCode} />}
        {hasPermission(me, 'ae-titles:manage') && <AeTitlesPanel key={`ae-${siteCode}`} siteCode={siteCode} />}
        {hasPermission(me, 'audit:read') && (
          <AuditPanel
            key={`audit-${siteCode}`}
            siteCode={siteCode}
            canReadUsers={hasPermission(me, 'users:read')}
          />
        )}
      </>
    );
  }

  return (
    <main className="page" id="main">
      <p className="breadcrumb">
        <a href="#/">← {t('common.backHome')}</a>
      </p>
      <h1>{t('admin.title')}</h1>
      {body}
    </main>
  );
}
