import type { MeDto, ReadRequestDto, ReaderDto } from '@telestroke/shared';
import { useState } from 'react';
import { isApiError } from '../api/http';
import { hasPermission } from '../auth/permissions';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { ConfirmButton } from '../ui/ConfirmButton';
import { useResource } from '../ui/useResource';
import { claimRead, getReadRequest, listReaders, reassignRead, releaseRead } from './api';
import { isClaimable } from './worklist';

/** What went wrong with the last action, or who won the race for the claim. */
type Notice = { kind: 'taken'; name: string | null } | { kind: 'error'; key: MessageKey } | { kind: 'reassigned'; name: string };

interface ClaimControlsProps {
  request: ReadRequestDto;
  me: MeDto;
  onChanged(request: ReadRequestDto): void;
  /** After a successful claim (the list opens the read screen). */
  onClaimed?(request: ReadRequestDto): void;
  /** Where the study opens; omitted on the read screen itself. */
  openHref?: string;
}

/**
 * Claim, release and reassign, with the state the user is in spelled out: a claim lost to a colleague says who has
 * it and still lets the loser open the study; nothing ends on a bare error.
 */
export function ClaimControls({ request, me, onChanged, onClaimed, openHref }: ClaimControlsProps) {
  const { t } = useI18n();
  const [pending, setPending] = useState(false);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [reassigning, setReassigning] = useState(false);
  const reader = hasPermission(me, 'worklist:claim');
  const mine = request.claimedBy?.id === me.user.id;

  async function refresh(): Promise<ReadRequestDto | null> {
    try {
      const fresh = (await getReadRequest(request.id)).request;
      onChanged(fresh);
      return fresh;
    } catch {
      return null;
    }
  }

  async function run(action: () => Promise<ReadRequestDto>, after?: (r: ReadRequestDto) => void) {
    setPending(true);
    setNotice(null);
    try {
      const updated = await action();
      onChanged(updated);
      setPending(false);
      after?.(updated);
    } catch (err) {
      setPending(false);
      if (isApiError(err, 'ALREADY_CLAIMED')) {
        const fresh = await refresh();
        setNotice({ kind: 'taken', name: fresh?.claimedBy?.name ?? null });
        return;
      }
      if (isApiError(err, 'READ_STATE', 'NOT_CLAIMED_BY_YOU', 'NOT_FOUND')) await refresh();
      setNotice({ kind: 'error', key: errorMessageKey(err) });
    }
  }

  const open = openHref && (
    <a
      className={`btn ${mine ? 'btn-primary' : 'btn-secondary'}`}
      href={openHref}
      data-testid="worklist-open"
    >
      {request.status === 'reported' ? t('worklist.viewReport') : mine ? t('worklist.open') : t('worklist.view')}
    </a>
  );

  return (
    <div className="wl-actions">
      {request.claimedBy && request.status !== 'reported' && (
        <span className={`wl-claimed ${mine ? 'wl-claimed-mine' : ''}`} data-testid="worklist-claimed-by">
          {mine ? t('worklist.claimedByYou') : t('worklist.claimedBy', { name: request.claimedBy.name })}
        </span>
      )}
      {reader && isClaimable(request) && (
        <button
          type="button"
          className="btn btn-urgent"
          disabled={pending}
          onClick={() => void run(() => claimRead(request.id), onClaimed)}
          data-testid="worklist-claim"
        >
          {pending ? t('common.working') : onClaimed ? t('worklist.claimAndRead') : t('worklist.claim')}
        </button>
      )}
      {open}
      {reader && mine && request.status === 'claimed' && (
        <ConfirmButton
          label={t('worklist.release')}
          confirmLabel={t('worklist.releaseConfirm')}
          disabled={pending}
          onConfirm={() => void run(() => releaseRead(request.id))}
          testId="worklist-release"
        />
      )}
      {reader && request.status !== 'reported' && !reassigning && (
        <button
          type="button"
          className="btn btn-ghost"
          disabled={pending}
          onClick={() => setReassigning(true)}
          data-testid="worklist-reassign"
        >
          {t('worklist.reassign')}
        </button>
      )}
      {reassigning && (
        <ReassignForm
          request={request}
          me={me}
          pending={pending}
          onCancel={() => setReassigning(false)}
          onReassign={(to) =>
            void run(
              () => reassignRead(request.id, to.id),
              () => {
                setReassigning(false);
                setNotice({ kind: 'reassigned', name: to.name });
              },
            )
          }
        />
      )}
      {notice?.kind === 'taken' && (
        <Banner tone="warning" testId="worklist-taken">
          {notice.name ? t('worklist.takenBy', { name: notice.name }) : t('worklist.takenUnknown')}
        </Banner>
      )}
      {notice?.kind === 'reassigned' && (
        <Banner tone="success" testId="worklist-reassigned">
          {t('worklist.reassignedTo', { name: notice.name })}
        </Banner>
      )}
      {notice?.kind === 'error' && (
        <Banner tone="error" testId="worklist-action-error">
          {t(notice.key)}
        </Banner>
      )}
    </div>
  );
}

interface ReassignFormProps {
  request: ReadRequestDto;
  me: MeDto;
  pending: boolean;
  onCancel(): void;
  onReassign(reader: ReaderDto): void;
}

function ReassignForm({ request, me, pending, onCancel, onReassign }: ReassignFormProps) {
  const { t } = useI18n();
  const readers = useResource((signal) => listReaders(signal), []);
  const [choice, setChoice] = useState('');
  const [missing, setMissing] = useState(false);
  const options =
    readers.status === 'ready'
      ? readers.data.filter((r) => r.hubCode === request.hubCode && r.id !== request.claimedBy?.id)
      : [];
  const id = `reassign-${request.id}`;

  return (
    <form
      className="wl-reassign"
      onSubmit={(e) => {
        e.preventDefault();
        const to = options.find((r) => r.id === choice);
        if (!to) {
          setMissing(true);
          return;
        }
        onReassign(to);
      }}
    >
      <label htmlFor={id}>{t('worklist.reassignTo')}</label>
      <select
        id={id}
        value={choice}
        onChange={(e) => {
          setChoice(e.target.value);
          setMissing(false);
        }}
        aria-invalid={missing}
        data-testid="worklist-reassign-to"
      >
        <option value="">—</option>
        {options.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name}
            {r.id === me.user.id ? ` (${t('chat.you')})` : ''} · {t(`role.${r.role}`)}
          </option>
        ))}
      </select>
      <button type="submit" className="btn btn-primary" disabled={pending} data-testid="worklist-reassign-confirm">
        {t('worklist.reassignConfirm')}
      </button>
      <button type="button" className="btn btn-ghost" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      {missing && <p className="field-error">{t('worklist.reassignChoose')}</p>}
      {readers.status === 'error' && <p className="field-error">{t(errorMessageKey(readers.error))}</p>}
      {readers.status === 'ready' && options.length === 0 && <p className="muted">{t('worklist.reassignNone')}</p>}
    </form>
  );
}
