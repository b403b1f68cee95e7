import type { MeDto } from '@telestroke/shared';
import { useT } from '../i18n/I18nProvider';
import { LanguageSwitch } from './LanguageSwitch';

interface AppHeaderProps {
  me: MeDto;
  loggingOut: boolean;
  onLogout(): void;
}

export function AppHeader({ me, loggingOut, onLogout }: AppHeaderProps) {
  const t = useT();
  const { user } = me;
  return (
    <header className="app-header">
      <div className="app-header-inner">
        <a className="brand" href="#/">
          {t('app.name')}
        </a>
        <div className="header-user" aria-label={t('header.user')} role="group">
          <span className="user-name" data-testid="user-name">
            {user.name}
          </span>
          <span className="user-meta">
            <span className="user-role" data-testid="user-role">
              {t(`role.${user.role}`)}
            </span>
            {user.sites.length > 0 && (
              <span className="user-sites" data-testid="user-sites">
                {user.sites.map((site) => site.name).join(', ')}
              </span>
            )}
          </span>
        </div>
        <div className="header-actions">
          <LanguageSwitch />
          <button
            type="button"
            className="btn btn-header"
            onClick={onLogout}
            disabled={loggingOut}
            data-testid="logout"
          >
            {loggingOut ? t('header.loggingOut') : t('header.logout')}
          </button>
        </div>
      </div>
    </header>
  );
}
