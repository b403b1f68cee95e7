import type { MeDto, RotaDuty, RotaGapDto, RotaShiftDto, SpecialistDto } from '@telestroke/shared';
import { ROTA_DUTIES } from '@telestroke/shared';
import { useState, type FormEvent } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { LOCALES } from '../i18n/messages';
import { Banner } from '../ui/Banner';
import { useResource } from '../ui/useResource';
import { addShift, listShifts, listSpecialists, removeShift } from './api';

const DUTY_ROLES: Record<RotaDuty, readonly string[]> = { urgent_consult: ['neurologist'], urgent_read: ['radiologist', 'neurologist'] };

/** The on-call rota of the next 14 days, its gaps, and (schedulers) the shift form. */
export function RotaPanel({ me, gaps, onChanged }: { me: MeDto; gaps: RotaGapDto[] | null; onChanged(): void }) {
  const { t, lang } = useI18n();
  const scheduler = me.user.role === 'scheduler';
  const hubs = me.user.sites.filter((s) => s.kind === 'hub');
  const [hubCode, setHubCode] = useState(hubs[0]?.code ?? '');
  const shifts = useResource<RotaShiftDto[]>((signal) => listShifts(hubCode || undefined, signal), [hubCode]);
  const specialists = useResource<SpecialistDto[]>((signal) => (scheduler ? listSpecialists(signal) : Promise.resolve([])), [scheduler]);
  const [error, setError] = useState<MessageKey | null>(null);
  const f = new Intl.DateTimeFormat(LOCALES[lang], { timeZone: 'Europe/Paris', weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  const span = (a: string, b: string) => `${f.format(new Date(a))} → ${f.format(new Date(b))}`;

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setError(null);
    try {
      await action();
      shifts.reload();
      onChanged();
      return true;
    } catch (err) {
      setError(errorMessageKey(err));
      return false;
    }
  }

  const hubGaps = (gaps ?? []).filter((g) => !hubCode || g.hubCode === hubCode);
  return (
    <section aria-labelledby="rota-heading" data-testid="rota">
      <h2 id="rota-heading">{t('schedule.rota.title')}</h2>
      {hubs.length > 1 && (
        <div className="field field-narrow">
          <label htmlFor="rota-hub">{t('schedule.rota.hub')}</label>
          <select id="rota-hub" value={hubCode} onChange={(e) => setHubCode(e.target.value)}>
            {hubs.map((h) => (
              <option key={h.code} value={h.code}>
                {h.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {error && (
        <Banner tone="error" testId="rota-error">
          {t(error)}
        </Banner>
      )}
      {scheduler && gaps !== null && (
        <div className="rota-gaps" data-testid="rota-gaps">
          <h3>{t('schedule.gaps.title')}</h3>
          {hubGaps.length === 0 ? (
            <p className="muted">{t('schedule.gaps.none')}</p>
          ) : (
            <ul className="plain-list">
              {hubGaps.map((g) => (
                <li key={`${g.hubCode}-${g.duty}-${g.startsAt}`} className="gap" data-testid="rota-gap">
                  <span className="badge badge-warning">{t(`schedule.duty.${g.duty}`)}</span> {span(g.startsAt, g.endsAt)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <h3>{t('schedule.rota.shifts')}</h3>
      {shifts.status === 'error' && <Banner tone="error">{t(errorMessageKey(shifts.error))}</Banner>}
      {shifts.status === 'ready' &&
        (shifts.data.length === 0 ? (
          <p className="muted">{t('schedule.rota.none')}</p>
        ) : (
          <table className="table rota-table">
            <thead>
              <tr>
                <th>{t('schedule.rota.duty')}</th>
                <th>{t('schedule.rota.when')}</th>
                <th>{t('schedule.rota.primary')}</th>
                <th>{t('schedule.rota.backup')}</th>
                {scheduler && <th />}
              </tr>
            </thead>
            <tbody>
              {shifts.data.map((s) => (
                <tr key={s.id} data-testid="rota-shift">
                  <td>{t(`schedule.duty.${s.duty}`)}</td>
                  <td>{span(s.startsAt, s.endsAt)}</td>
                  <td>{s.primary.name}</td>
                  <td>{s.backup?.name ?? t('common.none')}</td>
                  {scheduler && (
                    <td>
                      <button type="button" className="btn btn-ghost btn-inline" onClick={() => void run(() => removeShift(s.id))}>
                        {t('schedule.remove')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {scheduler && hubCode && specialists.status === 'ready' && (
        <ShiftForm specialists={specialists.data.filter((s) => s.hubCodes.includes(hubCode))} onSubmit={(body) => run(() => addShift({ hubCode, ...body }))} />
      )}
    </section>
  );
}

function ShiftForm(props: {
  specialists: SpecialistDto[];
  onSubmit(body: { duty: RotaDuty; startsAtLocal: string; endsAtLocal: string; primaryId: string; backupId?: string }): Promise<boolean>;
}) {
  const { t } = useI18n();
  const [duty, setDuty] = useState<RotaDuty>('urgent_consult');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const eligible = props.specialists.filter((s) => DUTY_ROLES[duty].includes(s.role));
  const [primaryId, setPrimaryId] = useState('');
  const [backupId, setBackupId] = useState('');
  const primary = eligible.some((s) => s.id === primaryId) ? primaryId : (eligible[0]?.id ?? '');

  function submit(e: FormEvent) {
    e.preventDefault();
    void props.onSubmit({ duty, startsAtLocal: from, endsAtLocal: to, primaryId: primary, ...(backupId ? { backupId } : {}) });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="shift-form-title">
      <h3 id="shift-form-title">{t('schedule.rota.add')}</h3>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="sh-duty">{t('schedule.rota.duty')}</label>
          <select id="sh-duty" value={duty} onChange={(e) => setDuty(e.target.value as RotaDuty)}>
            {ROTA_DUTIES.map((d) => (
              <option key={d} value={d}>
                {t(`schedule.duty.${d}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sh-from">{t('schedule.exception.from')}</label>
          <input id="sh-from" type="datetime-local" required value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sh-to">{t('schedule.exception.to')}</label>
          <input id="sh-to" type="datetime-local" required value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sh-primary">{t('schedule.rota.primary')}</label>
          <select id="sh-primary" required value={primary} onChange={(e) => setPrimaryId(e.target.value)}>
            {eligible.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sh-backup">{t('schedule.rota.backup')}</label>
          <select id="sh-backup" value={backupId} onChange={(e) => setBackupId(e.target.value)}>
            <option value="">{t('common.none')}</option>
            {eligible
              .filter((s) => s.id !== primary)
              .map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
          </select>
        </div>
      </div>
      <p className="hint">{t('schedule.form.parisHint')}</p>
      <button type="submit" className="btn btn-primary" disabled={!primary}>
        {t('schedule.rota.addSubmit')}
      </button>
    </form>
  );
}
