/**
 * The worklist screens' strings, merged into the app's dictionaries (i18n/fr.ts, i18n/en.ts) so that the
 * capability's keys live beside its code. French is the reference: English must provide every key.
 */
export const worklistFr = {} satisfies Record<string, string>;

export const worklistEn: Record<keyof typeof worklistFr, string> = {};
