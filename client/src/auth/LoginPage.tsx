import type { MeDto } from '@telestroke/shared';
import { useId, useRef, useState, type FormEvent } from 'react';
import { login } from '../api/auth';
import { isApiError } from '../api/http';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useT } from '../i18n/I18nProvider';
import { LanguageSwitch } from '../layout/LanguageSwitch';
import { Banner } from '../ui/Banner';
import { TOTP_CODE, TotpCodeInput } from '../ui/TotpCodeInput';
import { useDocumentTitle } from '../ui/useDocumentTitle';

export type LoginNotice = 'expired' | 'loggedOut';

interface LoginPageProps {
  /** Why the user is here, when it is not their first visit. */
  notice: LoginNotice | null;
  onLoggedIn(me: MeDto): void;
}

export function LoginPage({ notice, onLoggedIn }: LoginPageProps) {
  const t = useT();
  const ids = useId();
  const totpRef = useRef<HTMLInputElement>(null);
  const [step, setStep] = useState<'credentials' | 'totp'>('credentials');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<MessageKey | null>(null);
  const [showNotice, setShowNotice] = useState(notice !== null);
  /** Remounts the error banner on every attempt, so that the same error twice is announced twice. */
  const [attempt, setAttempt] = useState(0);

  useDocumentTitle(step === 'totp' ? t('login.totp.title') : t('login.title'));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    setShowNotice(false);
    setAttempt((n) => n + 1);
    if (email.trim() === '' || password === '') return setError('login.missing');
    if (step === 'totp' && !TOTP_CODE.test(totp)) {
      totpRef.current?.focus();
      return setError('totp.codeInvalid');
    }

    setPending(true);
    setError(null);
    try {
      onLoggedIn(await login({ email: email.trim(), password, ...(step === 'totp' ? { totp } : {}) }));
    } catch (err) {
      setPending(false);
      if (isApiError(err, 'TOTP_REQUIRED') && step === 'credentials') {
        // Not an error: the account has a second factor, so ask for it.
        setStep('totp');
        return;
      }
      if (isApiError(err, 'TOTP_INVALID')) {
        setTotp('');
        totpRef.current?.focus();
      }
      if (isApiError(err, 'INVALID_CREDENTIALS', 'ACCOUNT_LOCKED')) {
        setStep('credentials');
        setTotp('');
      }
      setError(errorMessageKey(err));
    }
  }

  function changeAccount() {
    setStep('credentials');
    setPassword('');
    setTotp('');
    setError(null);
  }

  return (
    <div className="login-screen">
      <header className="login-top">
        <span className="brand">{t('app.name')}</span>
        <LanguageSwitch />
      </header>
      <main className="login-main">
        <form className="card login-card" onSubmit={submit} noValidate aria-busy={pending}>
          <h1>{step === 'totp' ? t('login.totp.title') : t('login.title')}</h1>
          <p className="tagline">{t('app.tagline')}</p>

          {showNotice && notice && (
            <Banner tone={notice === 'expired' ? 'warning' : 'info'} testId="login-notice">
              {t(notice === 'expired' ? 'login.notice.expired' : 'login.notice.loggedOut')}
            </Banner>
          )}
          {error && (
            <Banner key={attempt} tone="error" testId="login-error">
              {t(error)}
            </Banner>
          )}

          {step === 'credentials' ? (
            <>
              <div className="field">
                <label htmlFor={`${ids}-email`}>{t('login.email')}</label>
                <input
                  id={`${ids}-email`}
                  name="email"
                  type="email"
                  inputMode="email"
                  autoComplete="username"
                  autoCapitalize="none"
                  autoCorrect="off"
                  spellCheck={false}
                  required
                  autoFocus
                  value={email}
                  onChange={(e) => setEmail(e.target.value)}
                  data-testid="login-email"
                />
              </div>
              <div className="field">
                <label htmlFor={`${ids}-password`}>{t('login.password')}</label>
                <input
                  id={`${ids}-password`}
                  name="password"
                  type="password"
                  autoComplete="current-password"
                  required
                  value={password}
                  onChange={(e) => setPassword(e.target.value)}
                  data-testid="login-password"
                />
              </div>
            </>
          ) : (
            <>
              <p>{t('login.totp.help')}</p>
              {/* Lets password managers tie the code to the account being signed in. */}
              <input type="hidden" name="email" autoComplete="username" value={email} />
              <TotpCodeInput
                id={`${ids}-totp`}
                value={totp}
                onChange={setTotp}
                autoFocus
                inputRef={totpRef}
                testId="login-totp"
              />
            </>
          )}

          <button type="submit" className="btn btn-primary btn-block" disabled={pending} data-testid="login-submit">
            {pending ? t('login.submitting') : step === 'totp' ? t('login.totp.submit') : t('login.submit')}
          </button>
          {step === 'totp' && (
            <button type="button" className="btn btn-ghost btn-block" onClick={changeAccount}>
              {t('login.back')}
            </button>
          )}
          <p className="hint">{t('login.help')}</p>
        </form>
      </main>
    </div>
  );
}
