import { useId, useState } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import { Banner } from '../ui/Banner';
import type { LocalMedia } from './useLocalMedia';

/** Camera and microphone pickers. The choice applies at once: the local preview shows the new camera. */
export function DevicePanel({ media, onClose }: { media: LocalMedia; onClose(): void }) {
  const { t } = useI18n();
  const ids = useId();
  const [failed, setFailed] = useState(false);
  const cameras = media.devices.filter((d) => d.kind === 'videoinput');
  const microphones = media.devices.filter((d) => d.kind === 'audioinput');
  const current = (track: MediaStreamTrack | null) => track?.getSettings().deviceId ?? '';

  const pick = (kind: 'camera' | 'microphone') => async (deviceId: string) => {
    setFailed(false);
    try {
      await media.switchDevice(kind, deviceId);
    } catch {
      setFailed(true);
    }
  };

  return (
    <div className="room-panel" role="dialog" aria-labelledby={`${ids}-title`} data-testid="room-devices-panel">
      <h2 id={`${ids}-title`}>{t('room.devices')}</h2>
      {failed && <Banner tone="error">{t('room.deviceFailed')}</Banner>}
      <div className="field">
        <label htmlFor={`${ids}-camera`}>{t('room.camera')}</label>
        <select
          id={`${ids}-camera`}
          value={current(media.camera)}
          onChange={(e) => void pick('camera')(e.target.value)}
          disabled={cameras.length === 0}
          data-testid="device-camera"
        >
          {cameras.length === 0 && <option value="">{t('room.noDevice')}</option>}
          {cameras.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || t('room.cameraN', { n: i + 1 })}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-mic`}>{t('room.microphone')}</label>
        <select
          id={`${ids}-mic`}
          value={current(media.microphone)}
          onChange={(e) => void pick('microphone')(e.target.value)}
          disabled={microphones.length === 0}
          data-testid="device-microphone"
        >
          {microphones.length === 0 && <option value="">{t('room.noDevice')}</option>}
          {microphones.map((d, i) => (
            <option key={d.deviceId || i} value={d.deviceId}>
              {d.label || t('room.microphoneN', { n: i + 1 })}
            </option>
          ))}
        </select>
      </div>
      <button type="button" className="btn btn-primary btn-block" onClick={onClose} data-testid="room-devices-close">
        {t('room.done')}
      </button>
    </div>
  );
}
