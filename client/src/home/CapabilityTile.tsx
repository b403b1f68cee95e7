import type { MessageKey } from '../i18n/fr';
import { useT } from '../i18n/I18nProvider';
import type { Capability } from './capabilities';

export function CapabilityTile({ capability }: { capability: Capability }) {
  const t = useT();
  const title = t(`tile.${capability.id}.title` satisfies MessageKey);
  const description = t(`tile.${capability.id}.desc` satisfies MessageKey);

  if (capability.href === null) {
    // Not a link nor a disabled button: there is nothing to activate yet, only something to read.
    return (
      <div className="tile tile-soon" data-testid={`tile-${capability.id}`} data-available="false">
        <span className="tile-title">{title}</span>
        <span className="tile-desc">{description}</span>
        <span className="badge">{t('tile.soon')}</span>
      </div>
    );
  }
  return (
    <a className="tile" href={capability.href} data-testid={`tile-${capability.id}`} data-available="true">
      <span className="tile-title">{title}</span>
      <span className="tile-desc">{description}</span>
      <span className="tile-cta" aria-hidden="true">
        {t('tile.open')} →
      </span>
    </a>
  );
}
