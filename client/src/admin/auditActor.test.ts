import type { AuditEntryDto } from '@telestroke/shared';
import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en';
import type { MessageKey } from '../i18n/fr';
import { translate, type Vars } from '../i18n/messages';
import { auditActorLabel } from './auditActor';

const t = (key: MessageKey, vars?: Vars) => translate(en, key, vars);
const entry = (actorType: AuditEntryDto['actorType'], actorId: string | null): AuditEntryDto => ({
  seq: 1,
  at: '2025-01-01T00:00:00Z',
  actorType,
  actorId,
  action: 'auth.login',
  resourceType: null,
  resourceId: null,
  siteCode: 'DIJON',
  ip: null,
});

describe('auditActorLabel()', () => {
  it('auditActorLabel() names a known user', () => {
    expect(auditActorLabel(entry('user', 'u-1'), new Map([['u-1', 'Dr A']]), t)).toBe('Dr A');
  });

  it('auditActorLabel() shows the start of an unknown user or token id', () => {
    expect(auditActorLabel(entry('user', '0123456789abcdef'), new Map(), t)).toBe('User 01234567');
    expect(auditActorLabel(entry('token', 'fedcba9876543210'), new Map(), t)).toBe('Token fedcba98');
  });

  it('auditActorLabel() of the system, or of no actor id, says System', () => {
    expect(auditActorLabel(entry('system', null), new Map(), t)).toBe('System');
    expect(auditActorLabel(entry('user', null), new Map(), t)).toBe('System');
  });
});
