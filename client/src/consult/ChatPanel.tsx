import type { ConsultMessageDto, MeDto } from '@telestroke/shared';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { Banner } from '../ui/Banner';
import { listMessages, postMessage } from './api';
import { addMessage } from './clinical';

interface ChatPanelProps {
  consultId: string;
  me: MeDto;
  /** Called with each message of someone else that arrives live, for an unread badge. */
  onIncoming?(message: ConsultMessageDto): void;
}

/** The consult's chat: stored with the consult by the server, live through the server's channel. */
export function ChatPanel({ consultId, me, onIncoming }: ChatPanelProps) {
  const { t, formatDateTime } = useI18n();
  const inputId = useId();
  const [messages, setMessages] = useState<ConsultMessageDto[]>([]);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    listMessages(consultId, controller.signal).then(
      (list) => setMessages((current) => list.reduce(addMessage, current)),
      () => undefined,
    );
    return () => controller.abort();
  }, [consultId, reload]);

  useServerEvents(
    (event) => {
      if (event.type !== 'consult.message' || event.message.consultId !== consultId) return;
      setMessages((list) => addMessage(list, event.message));
      if (event.message.author.id !== me.user.id) onIncoming?.(event.message);
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
      const sent = await postMessage(consultId, trimmed);
      setMessages((list) => addMessage(list, sent));
      setText('');
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSending(false);
    }
  }

  return (
    <section className="chat" aria-label={t('chat.title')}>
      <h2 className="chat-title">{t('chat.title')}</h2>
      <ol className="chat-list" ref={listRef} aria-live="polite">
        {messages.length === 0 && <li className="chat-empty muted">{t('chat.empty')}</li>}
        {messages.map((m) => {
          const mine = m.author.id === me.user.id;
          return (
            <li key={m.id} className={`chat-message${mine ? ' mine' : ''}`} data-testid="chat-message" data-mine={mine}>
              <span className="chat-meta">
                {mine ? t('chat.you') : `${m.author.name} · ${t(`role.${m.author.role}`)}`} ·{' '}
                <time dateTime={m.sentAt}>{formatDateTime(m.sentAt)}</time>
              </span>
              <span className="chat-text">{m.text}</span>
            </li>
          );
        })}
      </ol>
      {error && <Banner tone="error">{t(error)}</Banner>}
      <form className="chat-form" onSubmit={(e) => void send(e)}>
        <label htmlFor={inputId} className="visually-hidden">
          {t('chat.input')}
        </label>
        <input
          id={inputId}
          value={text}
          maxLength={2000}
          autoComplete="off"
          placeholder={t('chat.placeholder')}
          onChange={(e) => setText(e.target.value)}
          data-testid="chat-input"
        />
        <button type="submit" className="btn btn-primary" disabled={sending || !text.trim()} data-testid="chat-send">
          {t('chat.send')}
        </button>
      </form>
    </section>
  );
}
