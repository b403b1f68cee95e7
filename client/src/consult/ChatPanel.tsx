import type { ConsultMessageDto, MeDto } from '@telestroke/shared';
import { useId } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { listMessages, postMessage } from './api';
import { useMessageThread } from './useMessageThread';

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
  const { messages, text, setText, sending, error, send, listRef } = useMessageThread<ConsultMessageDto>({
    threadId: consultId,
    load: (signal) => listMessages(consultId, signal),
    post: (body) => postMessage(consultId, body),
    liveMessage: (event) => (event.type === 'consult.message' && event.message.consultId === consultId ? event.message : null),
    onLive: (message) => {
      if (message.author.id !== me.user.id) onIncoming?.(message);
    },
  });

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
