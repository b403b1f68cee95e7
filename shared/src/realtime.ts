import { z } from 'zod';

/** Events the server pushes over the `/ws` WebSocket. Later capabilities add members to this union. */
export const ServerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), userId: z.uuid() }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;
