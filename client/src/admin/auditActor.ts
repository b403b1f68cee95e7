import type { AuditEntryDto } from '@telestroke/shared';
import type { Translate } from '../i18n/I18nProvider';

/**
 * Who did it, in words. Audit entries carry only the actor's id: a user is named when `names` knows them
 * (the site's users), otherwise people and tokens show the start of their id, enough to tell them apart.
 */
export function auditActorLabel(entry: AuditEntryDto, names: ReadonlyMap<string, string>, t: Translate): string {
  if (entry.actorType === 'system' || entry.actorId === null) return t('admin.audit.actor.system');
  const known = names.get(entry.actorId);
  if (known) return known;
  const id = entry.actorId.slice(0, 8);
  return entry.actorType === 'user' ? t('admin.audit.actor.user', { id }) : t('admin.audit.actor.token', { id });
}
