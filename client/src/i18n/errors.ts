import { ApiError } from '../api/ApiError';
import type { MessageKey } from './fr';

/** The message to show for a failed call. Anything unforeseen gets the generic message, never raw server text. */
export function errorMessageKey(err: unknown): MessageKey {
  if (!(err instanceof ApiError)) return 'error.generic';
  switch (err.code) {
    case 'INVALID_CREDENTIALS':
    case 'ACCOUNT_LOCKED':
    case 'RATE_LIMITED':
    case 'TOTP_REQUIRED':
    case 'TOTP_INVALID':
    case 'SESSION_EXPIRED':
    case 'UNAUTHENTICATED':
    case 'VALIDATION_FAILED':
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'CONFLICT':
    case 'CSRF_FAILED':
    case 'UNAVAILABLE':
    case 'NETWORK':
    case 'ALREADY_CLAIMED':
    case 'NOT_CLAIMED_BY_YOU':
    case 'READ_STATE':
    case 'REPORT_SIGNED':
    case 'BOOKING_CONFLICT':
    case 'BOOKING_OUTSIDE_AVAILABILITY':
    case 'BOOKING_IN_PAST':
    case 'BOOKING_STATE':
    case 'SLOT_OVERLAP':
    case 'SLOT_EMPTY':
    case 'UNKNOWN_PERSON':
    case 'DST_AMBIGUOUS_TIME':
    case 'DST_NONEXISTENT_TIME':
    case 'NIHSS_VALUE_INVALID':
    case 'CASE_STATE':
    case 'WEIGHT_MISSING':
    case 'WEIGHT_IMPLAUSIBLE':
    case 'WEIGHT_CONFIRMATION_REQUIRED':
    case 'STEMI_DOSE_REFUSED':
    case 'DOSE_NOT_STROKE':
    case 'CHECKLIST_INCOMPLETE':
    case 'CONTRAINDICATION_PRESENT':
    case 'BP_TOO_HIGH':
    case 'GLUCOSE_MISSING':
    case 'SECOND_CHECK_SAME_PERSON':
    case 'THROMBOLYSIS_STATE':
      return `error.${err.code}`;
    case 'ALREADY_EXISTS':
      return 'error.CONFLICT';
    case 'UNPROCESSABLE':
      return 'error.VALIDATION_FAILED';
    case 'TIMEOUT':
      return 'error.UNAVAILABLE';
    default:
      return 'error.generic';
  }
}
