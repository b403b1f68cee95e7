import { AppError, type AeTitleDto, type CreatedApiTokenDto } from '@telestroke/shared';
import { recordAudit, type ActorType } from '../audit/audit.service';
import { PG_UNIQUE_VIOLATION, pgErrorCode, type Db } from '../db/Db';
import { randomToken, sha256Hex } from '../auth/secrets';
import { deleteAeTitle, insertAeTitle } from './ae-title.repository';
import { insertToken, revokeToken, tokenDto } from './token.repository';

/** Who asked for a change: a user of the API, or an operator at the CLI. */
export interface Actor {
  type: ActorType;
  id: string | null;
  ip: string | null;
}

// The prefix makes leaked tokens recognisable by secret scanners and in support requests.
const TOKEN_PREFIX = 'tsg_';

export async function createApiToken(
  db: Db,
  actor: Actor,
  site: { id: string },
  name: string,
): Promise<CreatedApiTokenDto> {
  const token = randomToken(TOKEN_PREFIX);
  return db.transaction(async (tx) => {
    const row = await insertToken(tx, {
      siteId: site.id,
      name,
      tokenHash: sha256Hex(token),
      createdBy: actor.type === 'user' ? actor.id : null,
    });
    await recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'token.create',
      resourceType: 'api_token',
      resourceId: row.id,
      siteId: site.id,
      ip: actor.ip,
    });
    return { ...tokenDto(row), token };
  });
}

export async function revokeApiToken(db: Db, actor: Actor, token: { id: string; siteId: string }): Promise<void> {
  await db.transaction(async (tx) => {
    await revokeToken(tx, token.id);
    await recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'token.revoke',
      resourceType: 'api_token',
      resourceId: token.id,
      siteId: token.siteId,
      ip: actor.ip,
    });
  });
}

export async function addAeTitle(db: Db, actor: Actor, site: { id: string }, aeTitle: string): Promise<AeTitleDto> {
  try {
    return await db.transaction(async (tx) => {
      const dto = await insertAeTitle(tx, site.id, aeTitle);
      await recordAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'ae_title.add',
        resourceType: 'ae_title',
        resourceId: dto.id,
        siteId: site.id,
        ip: actor.ip,
        details: { aeTitle },
      });
      return dto;
    });
  } catch (err) {
    if (pgErrorCode(err) === PG_UNIQUE_VIOLATION) {
      throw new AppError('ALREADY_EXISTS', `AE title ${aeTitle} is already registered`);
    }
    throw err;
  }
}

export async function removeAeTitle(db: Db, actor: Actor, ae: { id: string; siteId: string }): Promise<void> {
  await db.transaction(async (tx) => {
    await deleteAeTitle(tx, ae.id);
    await recordAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action: 'ae_title.remove',
      resourceType: 'ae_title',
      resourceId: ae.id,
      siteId: ae.siteId,
      ip: actor.ip,
    });
  });
}
