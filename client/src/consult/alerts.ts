/**
 * The neurologist's alerts for a new urgent consult: a tone generated with WebAudio (no audio file to ship or to
 * fail loading) and a system notification. Browsers allow both only after a user gesture: `enableAlerts()` runs on
 * one (a tap on "activate alerts", or any first tap in the app for the sound).
 */

let audio: AudioContext | null = null;

function audioContext(): AudioContext | null {
  if (typeof window === 'undefined' || typeof window.AudioContext !== 'function') return null;
  audio ??= new window.AudioContext();
  return audio;
}

/** Unlocks sound; call from a user gesture. Never throws. */
export function unlockAlertSound(): void {
  try {
    const ctx = audioContext();
    if (ctx && ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  } catch {
    // No sound on this device: the banner and the notification remain.
  }
}

/** The tones of the alert: three rising pairs, loud enough to be heard across a room, 1.5 s in all. */
export const ALERT_TONES: ReadonlyArray<{ at: number; hz: number; ms: number }> = [0, 0.5, 1].flatMap((start) => [
  { at: start, hz: 880, ms: 180 },
  { at: start + 0.2, hz: 1175, ms: 220 },
]);

/** Plays the alert tone. Returns false when sound is unavailable or still locked. Never throws. */
export function playAlertTone(): boolean {
  try {
    const ctx = audioContext();
    if (!ctx || ctx.state !== 'running') return false;
    const t0 = ctx.currentTime + 0.02;
    for (const tone of ALERT_TONES) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = tone.hz;
      const start = t0 + tone.at;
      const end = start + tone.ms / 1000;
      // Short ramps avoid the click of a square start and stop.
      gain.gain.setValueAtTime(0, start);
      gain.gain.linearRampToValueAtTime(0.35, start + 0.015);
      gain.gain.setValueAtTime(0.35, end - 0.03);
      gain.gain.linearRampToValueAtTime(0, end);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start);
      osc.stop(end + 0.01);
    }
    return true;
  } catch {
    return false;
  }
}

export type NotificationState = 'granted' | 'denied' | 'default' | 'unsupported';

export function notificationState(): NotificationState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks for permission to show notifications; call from a user gesture. Also unlocks the sound. */
export async function enableAlerts(): Promise<NotificationState> {
  unlockAlertSound();
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  try {
    return await Notification.requestPermission();
  } catch {
    return notificationState();
  }
}

/**
 * Shows a system notification when allowed; a click brings the tab forward and calls `onClick`. `tag` replaces an
 * earlier notification of the same consult rather than stacking them.
 */
export function showNotification(title: string, body: string, tag: string, onClick: () => void): void {
  if (notificationState() !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, requireInteraction: true });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // Some platforms allow notifications only from a service worker; the banner and the sound remain.
  }
}
