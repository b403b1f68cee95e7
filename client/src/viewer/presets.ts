/** Window presets of a stroke CT read, in HU (width, centre). */
export const PRESETS = [
  { id: 'brain', key: '1', ww: 80, wc: 40 },
  { id: 'stroke', key: '2', ww: 40, wc: 40 },
  { id: 'narrow', key: '3', ww: 8, wc: 32 },
  { id: 'subdural', key: '4', ww: 200, wc: 75 },
  { id: 'bone', key: '5', ww: 2000, wc: 500 },
] as const;

export type PresetId = (typeof PRESETS)[number]['id'];

export function presetForKey(key: string): (typeof PRESETS)[number] | undefined {
  return PRESETS.find((p) => p.key === key);
}

export interface Voi {
  windowWidth: number;
  windowCenter: number;
}

/** The preset a window matches exactly, if any, so the toolbar can show it pressed. */
export function matchingPreset(voi: Voi): PresetId | undefined {
  return PRESETS.find((p) => Math.abs(p.ww - voi.windowWidth) < 0.5 && Math.abs(p.wc - voi.windowCenter) < 0.5)?.id;
}

/**
 * A window/level drag: rightwards widens the window, downwards raises the level. The step grows with the window,
 * so a drag is as useful in a bone window (2000) as in a narrow stroke window (8). Width never drops below 1.
 */
export function dragWindow(voi: Voi, dx: number, dy: number): Voi {
  const step = Math.max(0.25, voi.windowWidth / 200);
  return {
    windowWidth: Math.max(1, voi.windowWidth + dx * step),
    windowCenter: voi.windowCenter + dy * step,
  };
}

/** Keyboard shortcuts, in the order the help overlay lists them; labels are message keys. */
export const SHORTCUTS = [
  { keys: '↑ / ↓', label: 'viewer.help.slice' },
  { keys: 'PgUp / PgDn', label: 'viewer.help.slice10' },
  { keys: 'Home / End', label: 'viewer.help.ends' },
  { keys: '1 – 5', label: 'viewer.help.presets' },
  { keys: 'i', label: 'viewer.help.invert' },
  { keys: 'r', label: 'viewer.help.reset' },
  { keys: 'c', label: 'viewer.help.cine' },
  { keys: 'm', label: 'viewer.help.mip' },
  { keys: '+ / −', label: 'viewer.help.zoom' },
  { keys: 's / w / p / z', label: 'viewer.help.tools' },
  { keys: 'l / o', label: 'viewer.help.measure' },
  { keys: 'v', label: 'viewer.help.viewport' },
  { keys: '?', label: 'viewer.help.toggle' },
  { keys: 'Esc', label: 'viewer.help.escape' },
] as const;
