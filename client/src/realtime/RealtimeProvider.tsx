import type { ServerEvent } from '@telestroke/shared';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { realtimeUrl } from './backoff';
import { RealtimeClient, type RealtimeStatus } from './RealtimeClient';

const RealtimeContext = createContext<RealtimeClient | null>(null);

/** Opens the live channel for the signed-in user, and closes it when they sign out. */
export function RealtimeProvider({ children }: { children: ReactNode }) {
  const [client, setClient] = useState<RealtimeClient | null>(null);

  useEffect(() => {
    const created = new RealtimeClient({ url: realtimeUrl(window.location) });
    setClient(created);
    const retry = () => created.retryNow();
    const onVisible = () => {
      if (document.visibilityState === 'visible') retry();
    };
    window.addEventListener('online', retry);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('online', retry);
      document.removeEventListener('visibilitychange', onVisible);
      created.close();
    };
  }, []);

  return <RealtimeContext value={client}>{children}</RealtimeContext>;
}

/**
 * Calls `onEvent` for every server event, and `onResync` when the channel came back after a drop (events may have
 * been missed: reload). The latest callbacks are used without resubscribing.
 */
export function useServerEvents(onEvent: (event: ServerEvent) => void, onResync?: () => void): void {
  const client = useContext(RealtimeContext);
  const handlers = useRef({ onEvent, onResync });
  handlers.current = { onEvent, onResync };
  useEffect(() => {
    if (!client) return;
    const offEvent = client.on('event', (event) => handlers.current.onEvent(event));
    const offResync = client.on('resync', () => handlers.current.onResync?.());
    return () => {
      offEvent();
      offResync();
    };
  }, [client]);
}

export function useRealtimeStatus(): RealtimeStatus {
  const client = useContext(RealtimeContext);
  const [status, setStatus] = useState<RealtimeStatus>(client?.status ?? 'connecting');
  useEffect(() => {
    if (!client) return;
    setStatus(client.status);
    return client.on('status', setStatus);
  }, [client]);
  return status;
}
