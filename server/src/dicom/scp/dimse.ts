import { createRequire } from 'node:module';

/**
 * dcmjs-dimse is a CommonJS bundle whose exports Node's ESM loader cannot detect, so `import { Scp }` fails at run
 * time; loading it through `require` gives the real module with the package's own types.
 */
export const dimse = createRequire(import.meta.url)('dcmjs-dimse') as typeof import('dcmjs-dimse');

export type {
  association as DimseAssociation,
  requests as DimseRequests,
  responses as DimseResponses,
} from 'dcmjs-dimse';

/** Names this server in A-ASSOCIATE-AC and in the file meta information of every file it receives. */
export const IMPLEMENTATION_CLASS_UID = '2.25.328450913325005700806156273109835050991';
/** At most 16 characters (SH). */
export const IMPLEMENTATION_VERSION_NAME = 'TELESTROKE_1';

/**
 * The library logs every association and DIMSE message to the console, unstructured; the SCP logs what it needs
 * through pino instead. Its settings are process-wide: this is called once per SCP and is idempotent.
 */
export function configureDimse(maxPduLength: number): void {
  dimse.log.setLevel('silent');
  dimse.Implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
  dimse.Implementation.setImplementationVersion(IMPLEMENTATION_VERSION_NAME);
  // The accept PDU carries min(association value, this global): raise the global so our per-association value wins.
  if (dimse.Implementation.getMaxPduLength() < maxPduLength) dimse.Implementation.setMaxPduLength(maxPduLength);
}
