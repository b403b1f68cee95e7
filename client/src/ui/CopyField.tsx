import { useId, useRef, useState } from 'react';
import { useT } from '../i18n/I18nProvider';

/** A read-only value with a copy button. Without clipboard access (plain HTTP), the text is selected instead. */
export function CopyField({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const t = useT();
  const id = useId();
  const textRef = useRef<HTMLTextAreaElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      textRef.current?.focus();
      textRef.current?.select();
      setState('failed');
    }
  }

  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        <textarea
          id={id}
          ref={textRef}
          className="mono copy-value"
          readOnly
          rows={Math.min(4, Math.max(1, Math.ceil(value.length / 40)))}
          value={value}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          data-testid={testId}
        />
        <button type="button" className="btn btn-secondary" onClick={copy}>
          {state === 'copied' ? t('common.copied') : t('common.copy')}
        </button>
      </div>
      <p className="hint" role="status">
        {state === 'failed' ? t('common.copyFailed') : ''}
      </p>
    </div>
  );
}
