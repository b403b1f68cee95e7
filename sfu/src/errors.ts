import { AppError } from '@telestroke/shared';

/**
 * Turns what a mediasoup call rejected with into the AppError the client gets, for the errors the client caused:
 * mediasoup throws TypeError or UnsupportedError for parameters it refuses (and its worker answers TypeError for
 * those it validates itself), and InvalidStateError once the object or its worker is gone. Matching on the error's
 * class name, never on its message. Anything else is returned as is: an internal error, logged by the caller.
 * Only wrap mediasoup calls with it, or a TypeError from our own code would pass for a client error.
 */
export function fromMediaError(err: unknown): unknown {
  if (err instanceof AppError || !(err instanceof Error)) return err;
  switch (err.name) {
    case 'TypeError':
    case 'UnsupportedError':
      // mediasoup's messages name the offending field (e.g. "invalid codec.payloadType"): useful, never secret.
      return new AppError('UNPROCESSABLE', `the media server refused the parameters: ${err.message}`);
    case 'InvalidStateError':
      return new AppError('UNAVAILABLE', 'the media server is restarting; wait for the reconnect notification');
    default:
      return err;
  }
}

/** Awaits a mediasoup call, rejecting with `fromMediaError()` of what it rejected with. */
export async function media<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw fromMediaError(err);
  }
}
