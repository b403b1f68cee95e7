import { z } from 'zod';

export const AuditEntryDtoSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actorType: z.enum(['user', 'token', 'system']),
  actorId: z.string().nullable(),
  action: z.string(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  siteCode: z.string().nullable(),
  ip: z.string().nullable(),
});
export type AuditEntryDto = z.infer<typeof AuditEntryDtoSchema>;

export const AuditQuerySchema = z
  .object({
    siteCode: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
