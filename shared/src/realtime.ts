import { z } from 'zod';
import { ConsultDtoSchema, ConsultMessageDtoSchema } from './consult';

/** Events the server pushes over the `/ws` WebSocket. Later capabilities add members to this union. */
export const ServerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), userId: z.uuid() }),
  /** A new urgent consult for the hub's on-call neurologists: alert with sound and a notification. */
  z.object({ type: z.literal('consult.requested'), consult: ConsultDtoSchema }),
  /** Any change of a consult's state, to everyone who may see it (the others see it taken). */
  z.object({ type: z.literal('consult.updated'), consult: ConsultDtoSchema }),
  /** A chat message, to the consult's participants only. */
  z.object({ type: z.literal('consult.message'), message: ConsultMessageDtoSchema }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;
