import { useEffect, useState } from 'react';

/** The current time, refreshed every `periodMs` (default 30 s): enough for "time since last known well". */
export function useNow(periodMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs);
    return () => clearInterval(timer);
  }, [periodMs]);
  return now;
}
