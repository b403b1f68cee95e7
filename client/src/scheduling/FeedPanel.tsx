import type { IcsFeedDto } from '@telestroke/shared';
import { useState } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { ConfirmButton } from '../ui/ConfirmButton';
import { CopyField } from '../ui/CopyField';
import { useResource } from '../ui/useResource';
import { createFeed, getFeed, revokeFeed } from './api';

/** The user's iCalendar feed: a secret URL shown once, to paste into a calendar app; replaced or revoked here. */
export function FeedPanel() {
  const { t, formatDateTime } = useI18n();
  const feed = useResource<IcsFeedDto>((signal) => getFeed(signal), []);
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<MessageKey | null>(null);

  async function run(action: () => Promise<void>) {
    setError(null);
    try {
      await action();
      feed.reload();
    } catch (err) {
      setError(errorMessageKey(err));
    }
  }

  return (
    <section aria-labelledby="feed-heading" data-testid="feed">
      <h2 id="feed-heading">{t('schedule.feed.title')}</h2>
      <p>{t('schedule.feed.intro')}</p>
      {error && <Banner tone="error">{t(error)}</Banner>}
      {created && (
        <>
          <Banner tone="success">{t('schedule.feed.created')}</Banner>
          <CopyField label={t('schedule.feed.url')} value={created} testId="feed-url" />
        </>
      )}
      {feed.status === 'ready' && (
        <>
          <p className="muted" data-testid="feed-status">
            {feed.data.active && feed.data.createdAt
              ? t('schedule.feed.active', { date: formatDateTime(feed.data.createdAt) })
              : t('schedule.feed.inactive')}
          </p>
          <div className="actions">
            <button
              type="button"
              className="btn btn-primary"
              onClick={() =>
                void run(async () => {
                  const res = await createFeed();
                  setCreated(new URL(res.url!, window.location.origin).toString());
                })
              }
              data-testid="feed-create"
            >
              {feed.data.active ? t('schedule.feed.replace') : t('schedule.feed.create')}
            </button>
            {feed.data.active && (
              <ConfirmButton
                label={t('schedule.feed.revoke')}
                confirmLabel={t('schedule.feed.revokeConfirm')}
                onConfirm={() =>
                  void run(async () => {
                    await revokeFeed();
                    setCreated(null);
                  })
                }
              />
            )}
          </div>
        </>
      )}
    </section>
  );
}
