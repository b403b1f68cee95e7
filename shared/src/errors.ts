/**
 * Every machine-readable error code the platform answers with, and the HTTP status it maps to.
 * Clients switch on `code`, never on message text.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  TOTP_INVALID: 401,
  SESSION_EXPIRED: 401,
  INVALID_TOKEN: 401,
  CSRF_FAILED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  /** Another neurologist accepted the consult first. */
  CONSULT_TAKEN: 409,
  /** The consult is not in a state that allows this (e.g. ended). */
  CONSULT_STATE: 409,
  /** Another reader claimed the read request first. */
  ALREADY_CLAIMED: 409,
  /** Only the reader holding the claim may do this (release, save or sign the report). */
  NOT_CLAIMED_BY_YOU: 409,
  /** The read request is not in a state that allows this (e.g. claiming a reported one, an addendum before signing). */
  READ_STATE: 409,
  /** The report is signed: it cannot change; corrections are addenda. */
  REPORT_SIGNED: 409,
  /** The specialist is already booked at an overlapping time (the database's exclusion constraint decided). */
  /** An NIHSS answer that is not one of the item's official choices (or "untestable" where the scale forbids it). */
  NIHSS_VALUE_INVALID: 422,
  /** The stroke case is not in a state that allows this (e.g. a second transfer, acknowledging none). */
  CASE_STATE: 409,
  BOOKING_CONFLICT: 409,
  /** The booking is not within the specialist's availability (weekly slots and extra slots, minus leave). */
  BOOKING_OUTSIDE_AVAILABILITY: 422,
  /** The booking would start in the past. */
  BOOKING_IN_PAST: 422,
  /** The booking is not in a state that allows this (e.g. cancelled, or its room is not open yet). */
  BOOKING_STATE: 409,
  /** An availability slot or rota shift overlaps another of the same person or hub. */
  SLOT_OVERLAP: 409,
  /** An availability slot, exception or shift whose end is not after its start. */
  SLOT_EMPTY: 400,
  /** A named person (specialist, ward doctor, on-call doctor) unknown, out of scope or of the wrong role or site. */
  UNKNOWN_PERSON: 422,
  /** A Paris wall-clock time that happens twice (last Sunday of October, 02:00–02:59). */
  DST_AMBIGUOUS_TIME: 400,
  /** A Paris wall-clock time that does not exist (last Sunday of March, 02:00–02:59). */
  DST_NONEXISTENT_TIME: 400,
  /** None of the representations the Accept header allows can be produced (DICOMweb negotiation). */
  NOT_ACCEPTABLE: 406,
  /** Thrombolysis dose: no weight entered. */
  WEIGHT_MISSING: 422,
  /** Thrombolysis dose: a weight outside 30-250 kg (a typing or unit mistake). */
  WEIGHT_IMPLAUSIBLE: 422,
  /** Thrombolysis dose: a weight above 120 kg not yet confirmed as kilograms (pounds typed as kg overdose). */
  WEIGHT_CONFIRMATION_REQUIRED: 422,
  /** Thrombolysis dose: the myocardial infarction regimen (tenecteplase 0.5 mg/kg) is never a stroke dose. */
  STEMI_DOSE_REFUSED: 422,
  /** Thrombolysis dose: a dose per kg other than the stroke dose of the drug. */
  DOSE_NOT_STROKE: 422,
  /** Thrombolysis order: a contraindication checklist item is unanswered. */
  CHECKLIST_INCOMPLETE: 422,
  /** Thrombolysis order: a contraindication is answered present. */
  CONTRAINDICATION_PRESENT: 422,
  /** Thrombolysis order: blood pressure not below 185/110 mmHg. */
  BP_TOO_HIGH: 422,
  /** Thrombolysis order: no blood glucose entered. */
  GLUCOSE_MISSING: 422,
  /** Thrombolysis order: the second check must be done by another person than the one who prepared it. */
  SECOND_CHECK_SAME_PERSON: 409,
  /** Thrombolysis order: not in a state that allows this (confirming twice, a bolus before the second check). */
  THROMBOLYSIS_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  ACCOUNT_LOCKED: 423,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error response: `{"error":{"code","message"}}`. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Machine-readable detail, such as the fields that failed validation. Never a stack trace. */
    details?: unknown;
  };
}

/**
 * The one error type of the platform. Services throw it; the HTTP edge turns it into a response
 * exactly once. `status` comes from the code, so the two can never disagree.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    if (details !== undefined) this.details = details;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details !== undefined ? { details: this.details } : {}),
      },
    };
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
