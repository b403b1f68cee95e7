import { useState } from 'react';
import { useT } from '../i18n/I18nProvider';

interface ConfirmButtonProps {
  label: string;
  confirmLabel: string;
  /** Accessible name of the first button when `label` alone is ambiguous, e.g. in a list. */
  ariaLabel?: string;
  disabled?: boolean;
  onConfirm(): void;
  testId?: string;
}

/** A destructive action asks a second, explicit tap rather than a modal dialog, which is awkward on tablets. */
export function ConfirmButton({ label, confirmLabel, ariaLabel, disabled, onConfirm, testId }: ConfirmButtonProps) {
  const t = useT();
  const [armed, setArmed] = useState(false);

  if (!armed) {
    return (
      <button
        type="button"
        className="btn btn-secondary"
        aria-label={ariaLabel}
        disabled={disabled}
        onClick={() => setArmed(true)}
        data-testid={testId}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm-group">
      <button
        type="button"
        className="btn btn-danger"
        autoFocus
        disabled={disabled}
        onClick={() => {
          setArmed(false);
          onConfirm();
        }}
        data-testid={testId && `${testId}-confirm`}
      >
        {confirmLabel}
      </button>
      <button type="button" className="btn btn-ghost" onClick={() => setArmed(false)}>
        {t('common.cancel')}
      </button>
    </span>
  );
}
