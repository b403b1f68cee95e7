import type { ServerEvent } from '@telestroke/shared';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { addMessage } from './clinical';

interface ThreadMessage {
  id: string;
  sentAt: string;
}

/**
 * A message thread kept by the server and pushed live: the consult's chat and the case's messages. Loads the thread,
 * merges what arrives live, reloads after the live channel was away, and sends.
 */
export function useMessageThread<M extends ThreadMessage>(options: {
  /** The thread: a change loads another one. */
  threadId: string;
  load: (signal: AbortSignal) => Promise<M[]>;
  post: (text: string) => Promise<M>;
  /** The message a server event brings to this thread, if it brings one. */
  liveMessage: (event: ServerEvent) => M | null;
  /** Called with each message that arrives live, after it is added. Default: nothing. */
  onLive?: (message: M) => void;
}) {
  const { threadId } = options;
  const latest = useRef(options);
  latest.current = options;
  const [messages, setMessages] = useState<M[]>([]);
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [reload, setReload] = useState(0);
  const listRef = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const controller = new AbortController();
    latest.current.load(controller.signal).then(
      (list) => setMessages((current) => list.reduce(addMessage<M>, current)),
      (err: unknown) => {
        if (!controller.signal.aborted) setError(errorMessageKey(err));
      },
    );
    return () => controller.abort();
  }, [threadId, reload]);

  useServerEvents(
    (event) => {
      const message = latest.current.liveMessage(event);
      if (!message) return;
      setMessages((list) => addMessage(list, message));
      latest.current.onLive?.(message);
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
      const sent = await latest.current.post(trimmed);
      setMessages((list) => addMessage(list, sent));
      setText('');
    } catch (err) {
      setError(errorMessageKey(err));
    } finally {
      setSending(false);
    }
  }

  return { messages, text, setText, sending, error, send, listRef };
}
