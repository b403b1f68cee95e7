import type { CaseMessageDto, MeDto } from '@telestroke/shared';
import { CASE_MESSAGE_MAX } from '@telestroke/shared';
import { useMessageThread } from '../consult/useMessageThread';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { listCaseMessages, postCaseMessage } from './api';

/** The case's message thread between the sites: participants only; the server audits every read. */
export function CaseMessages({ caseId, me }: { caseId: string; me: MeDto }) {
  const { t, formatDateTime } = useI18n();
  const { messages, text, setText, sending, error, send, listRef } = useMessageThread<CaseMessageDto>({
    threadId: caseId,
    load: (signal) => listCaseMessages(caseId, signal),
    post: (body) => postCaseMessage(caseId, body),
    liveMessage: (event) => (event.type === 'case.message' && event.message.caseId === caseId ? event.message : null),
  });

  return (
    <section className="card case-section chat case-messages" aria-labelledby="case-messages-title" data-testid="case-messages">
      <h2 id="case-messages-title">{t('case.messages.title')}</h2>
      <p className="hint">{t('case.messages.private')}</p>
      <ol className="chat-list" ref={listRef} aria-live="polite">
        {messages.length === 0 && <li className="chat-empty muted">{t('case.messages.empty')}</li>}
        {messages.map((m) => {
          const mine = m.author.id === me.user.id;
          return (
            <li key={m.id} className={`chat-message${mine ? ' mine' : ''}`} data-testid="case-message" data-mine={mine}>
              <span className="chat-meta">
                {mine ? t('case.messages.you') : `${m.author.name} · ${t(`role.${m.author.role}`)}${m.author.siteCode ? ` · ${m.author.siteCode}` : ''}`} ·{' '}
                <time dateTime={m.sentAt}>{formatDateTime(m.sentAt)}</time>
              </span>
              <span className="chat-text">{m.text}</span>
            </li>
          );
        })}
      </ol>
      {error && <Banner tone="error">{t(error)}</Banner>}
      <form className="chat-form" onSubmit={(e) => void send(e)}>
        <label htmlFor="case-message-input" className="visually-hidden">
          {t('case.messages.input')}
        </label>
        <input
          id="case-message-input"
          value={text}
          maxLength={CASE_MESSAGE_MAX}
          autoComplete="off"
          placeholder={t('case.messages.placeholder')}
          onChange={(e) => setText(e.target.value)}
          data-testid="case-message-input"
        />
        <button type="submit" className="btn btn-primary" disabled={sending || !text.trim()} data-testid="case-message-send">
          {t('case.messages.send')}
        </button>
      </form>
    </section>
  );
}
