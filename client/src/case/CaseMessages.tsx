import type { CaseMessageDto, MeDto } from '@telestroke/shared';
import { CASE_MESSAGE_MAX } from '@telestroke/shared';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { Banner } from '../ui/Banner';
import { listCaseMessages, postCaseMessage } from './api';

function addMessage(list: CaseMessageDto[], message: CaseMessageDto): CaseMessageDto[] {
  if (list.some((m) => m.id === message.id)) return list;
  return [...list, message].sort((a, b) => a.sentAt.localeCompare(b.sentAt));
}

/** The case's message thread between the sites: participants only; the server audits every read. */
export function CaseMessages({ caseId, me }: { caseId: string; me: MeDto }) {
  const { t, formatDateTime } = useI18n();
  const [messages, setMessages] = useState<CaseMessageDto[]>([]);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [reload, setReload] = useState(0);
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    listCaseMessages(caseId, controller.signal).then(
      (list) => setMessages((current) => list.reduce(addMessage, current)),
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessageKey(err));
      },
    );
    return () => controller.abort();
  }, [caseId, reload]);

  useServerEvents(
    (event) => {
      if (event.type === 'case.message' && event.message.caseId === caseId) setMessages((l) => addMessage(l, event.message));
    },
    () => setReload((n) => n + 1),
  );

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [messages.length]);

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed || sending) return;
    setSending(true);
    setError(null);
    try {
      const sent = await postCaseMessage(caseId, trimmed);
      setMessages((l) => addMessage(l, sent));
      setText('');
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSending(false);
    }
  }

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
