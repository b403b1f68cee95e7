import type { ReactNode } from 'react';

export type BannerTone = 'error' | 'info' | 'success' | 'warning';

/** Errors interrupt the screen reader (role=alert); other tones wait their turn (role=status). */
export function Banner({ tone, children, testId }: { tone: BannerTone; children: ReactNode; testId?: string }) {
  return (
    <div className={`banner banner-${tone}`} role={tone === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}
