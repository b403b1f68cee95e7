import type { SiteDto } from '@telestroke/shared';
import { useId } from 'react';
import { useT } from '../i18n/I18nProvider';

interface SitePickerProps {
  siteCodes: readonly string[];
  /** Names for the codes, when `GET /api/sites` has answered; the codes alone remain usable without it. */
  sites: readonly SiteDto[] | null;
  value: string;
  onChange(siteCode: string): void;
}

export function SitePicker({ siteCodes, sites, value, onChange }: SitePickerProps) {
  const t = useT();
  const id = useId();
  const nameOf = (code: string) => sites?.find((site) => site.code === code)?.name;
  return (
    <div className="field site-picker">
      <label htmlFor={id}>{t('admin.site')}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} data-testid="admin-site">
        {siteCodes.map((code) => {
          const name = nameOf(code);
          return (
            <option key={code} value={code}>
              {name ? `${name} (${code})` : code}
            </option>
          );
        })}
      </select>
    </div>
  );
}
