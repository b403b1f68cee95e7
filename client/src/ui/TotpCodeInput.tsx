import type { Ref } from 'react';
import { useT } from '../i18n/I18nProvider';

export const TOTP_CODE = /^\d{6}$/;

interface TotpCodeInputProps {
  id: string;
  value: string;
  onChange(value: string): void;
  autoFocus?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  testId?: string;
}

/**
 * Six digits, whatever was typed or pasted: authenticator apps often show "123 456". No maxLength, which
 * would cut such a paste before the space is removed.
 */
export function TotpCodeInput({ id, value, onChange, autoFocus, inputRef, testId }: TotpCodeInputProps) {
  const t = useT();
  return (
    <div className="field">
      <label htmlFor={id}>{t('totp.code')}</label>
      <input
        id={id}
        ref={inputRef}
        name="totp"
        className="input-code mono"
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]{6}"
        required
        autoFocus={autoFocus}
        value={value}
        onChange={(e) => onChange(e.target.value.replace(/\D/g, '').slice(0, 6))}
        data-testid={testId}
      />
    </div>
  );
}
