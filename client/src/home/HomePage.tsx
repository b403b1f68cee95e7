import type { MeDto } from '@telestroke/shared';
import { useT } from '../i18n/I18nProvider';
import { TotpPanel } from '../security/TotpPanel';
import { useDocumentTitle } from '../ui/useDocumentTitle';
import { capabilitiesFor } from './capabilities';
import { CapabilityTile } from './CapabilityTile';

interface HomePageProps {
  me: MeDto;
  /** Re-reads the session after a change to the account, such as its second factor. */
  onAccountChanged(): Promise<void>;
}

export function HomePage({ me, onAccountChanged }: HomePageProps) {
  const t = useT();
  const capabilities = capabilitiesFor(me);
  useDocumentTitle(t('home.title'));

  return (
    <main className="page" id="main">
      <h1>{t('home.greeting', { name: me.user.name })}</h1>
      <section aria-labelledby="tools-heading">
        <h2 id="tools-heading">{t('home.tools')}</h2>
        {capabilities.length === 0 ? (
          <p>{t('home.noTools')}</p>
        ) : (
          <ul className="tiles">
            {capabilities.map((capability) => (
              <li key={capability.id}>
                <CapabilityTile capability={capability} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <TotpPanel totpEnabled={me.user.totpEnabled} onChanged={onAccountChanged} />
    </main>
  );
}
