import { z } from 'zod';
import { ConsultDtoSchema, ConsultMessageDtoSchema } from './consult';
import { BookingReminderSchema } from './scheduling';
import { ReadRequestDtoSchema, SignedReportDtoSchema, WorklistAlertReasonSchema } from './worklist';
import { CaseMessageDtoSchema, CaseUpdateReasonSchema, NihssAssessmentDtoSchema } from './case';

/** Events the server pushes over the `/ws` WebSocket. Later capabilities add members to this union. */
export const ServerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), userId: z.uuid() }),
  /** A new urgent consult for the hub's on-call neurologists: alert with sound and a notification. */
  z.object({ type: z.literal('consult.requested'), consult: ConsultDtoSchema }),
  /** Any change of a consult's state, to everyone who may see it (the others see it taken). */
  z.object({ type: z.literal('consult.updated'), consult: ConsultDtoSchema }),
  /** A chat message, to the consult's participants only. */
  z.object({ type: z.literal('consult.message'), message: ConsultMessageDtoSchema }),
  /** A planned teleconsultation starts in BOOKING_REMINDER_MINUTES, to its participants. */
  z.object({ type: z.literal('booking.reminder'), reminder: BookingReminderSchema }),
  /** A read request was created or changed (state, claim, escalation, SLA breach, report), to everyone who sees it. */
  z.object({ type: z.literal('worklist.updated'), request: ReadRequestDtoSchema }),
  /**
   * Play the alert (sound and notification) for this request: a new one to the on-call readers, an escalated one to
   * the backup, an SLA breach to both, a reassigned one to its new reader. Sent besides worklist.updated, never
   * instead of it.
   */
  z.object({ type: z.literal('worklist.alert'), reason: WorklistAlertReasonSchema, request: ReadRequestDtoSchema }),
  /** A report was signed or got an addendum: to the sending site's users and the hub's readers. */
  z.object({ type: z.literal('worklist.report'), request: ReadRequestDtoSchema, report: SignedReportDtoSchema }),
  /** A stroke case record changed (why: reason): to everyone who sees the case; they refetch it (an audited read). */
  z.object({ type: z.literal('case.updated'), caseId: z.uuid(), consultId: z.uuid(), reason: CaseUpdateReasonSchema }),
  /** An NIHSS assessment was started or one of its items changed: the whole assessment, to everyone who sees the case. */
  z.object({ type: z.literal('case.nihss'), assessment: NihssAssessmentDtoSchema }),
  /** A case message, to the case's participants only. */
  z.object({ type: z.literal('case.message'), message: CaseMessageDtoSchema }),
]);
export type ServerEvent = z.infer<typeof ServerEventSchema>;
