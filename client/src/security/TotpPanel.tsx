import { useId, useState, type FormEvent } from 'react';
import type { TotpSetupDto } from '@telestroke/shared';
import { disableTotp, enableTotp, setupTotp } from '../api/auth';
import { isApiError } from '../api/http';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useT } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import { CopyField } from '../ui/CopyField';
import { TOTP_CODE, TotpCodeInput } from '../ui/TotpCodeInput';

interface TotpPanelProps {
  totpEnabled: boolean;
  onChanged(): Promise<void>;
}

type Mode = { name: 'idle' } | { name: 'enrolling'; setup: TotpSetupDto } | { name: 'disabling' };

export function TotpPanel({ totpEnabled, onChanged }: TotpPanelProps) {
  const t = useT();
  const ids = useId();
  const [mode, setMode] = useState<Mode>({ name: 'idle' });
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [done, setDone] = useState<MessageKey | null>(null);

  async function run(action: () => Promise<void>) {
    setPending(true);
    setError(null);
    setDone(null);
    try {
      await action();
    } catch (err) {
      if (isApiError(err, 'TOTP_INVALID')) setCode('');
      setError(errorMessageKey(err));
    } finally {
      setPending(false);
    }
  }

  const start = () =>
    run(async () => {
      const setup = await setupTotp();
      setCode('');
      setMode({ name: 'enrolling', setup });
    });

  function confirm(event: FormEvent<HTMLFormElement>, apply: (code: string) => Promise<void>, doneKey: MessageKey) {
    event.preventDefault();
    if (pending) return;
    if (!TOTP_CODE.test(code)) return setError('totp.codeInvalid');
    void run(async () => {
      await apply(code);
      setMode({ name: 'idle' });
      setCode('');
      setDone(doneKey);
      await onChanged();
    });
  }

  function cancel() {
    setMode({ name: 'idle' });
    setCode('');
    setError(null);
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`} data-testid="security-panel">
      <h2 id={`${ids}-title`}>{t('security.title')}</h2>
      <p data-testid="totp-status" data-enabled={totpEnabled}>
        <span className={`dot ${totpEnabled ? 'dot-on' : 'dot-off'}`} aria-hidden="true" />
        {totpEnabled ? t('security.totp.on') : t('security.totp.off')}
      </p>
      {done && <Banner tone="success">{t(done)}</Banner>}
      {error && (
        <Banner tone="error" testId="totp-error">
          {t(error)}
        </Banner>
      )}

      {mode.name === 'idle' && (
        <button
          type="button"
          className={totpEnabled ? 'btn btn-secondary' : 'btn btn-primary'}
          disabled={pending}
          onClick={totpEnabled ? () => setMode({ name: 'disabling' }) : start}
          data-testid={totpEnabled ? 'totp-disable' : 'totp-setup'}
        >
          {pending ? t('common.working') : totpEnabled ? t('security.totp.disable') : t('security.totp.start')}
        </button>
      )}

      {mode.name === 'enrolling' && (
        <form onSubmit={(e) => confirm(e, enableTotp, 'security.totp.enabledDone')} noValidate>
          <p>{t('security.totp.step1')}</p>
          <CopyField label={t('security.totp.secret')} value={mode.setup.secret} testId="totp-secret" />
          <CopyField label={t('security.totp.url')} value={mode.setup.otpauthUrl} testId="totp-url" />
          <p>
            <a className="btn btn-secondary" href={mode.setup.otpauthUrl}>
              {t('security.totp.openApp')}
            </a>
          </p>
          <p>{t('security.totp.step2')}</p>
          <TotpCodeInput id={`${ids}-enable`} value={code} onChange={setCode} testId="totp-code" />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={pending} data-testid="totp-enable-confirm">
              {pending ? t('common.working') : t('security.totp.confirm')}
            </button>
            <button type="button" className="btn btn-ghost" onClick={cancel}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}

      {mode.name === 'disabling' && (
        <form onSubmit={(e) => confirm(e, disableTotp, 'security.totp.disabledDone')} noValidate>
          <p>{t('security.totp.disableHelp')}</p>
          <TotpCodeInput id={`${ids}-disable`} value={code} onChange={setCode} autoFocus testId="totp-code" />
          <div className="actions">
            <button type="submit" className="btn btn-danger" disabled={pending} data-testid="totp-disable-confirm">
              {pending ? t('common.working') : t('security.totp.disableConfirm')}
            </button>
            <button type="button" className="btn btn-ghost" onClick={cancel}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
