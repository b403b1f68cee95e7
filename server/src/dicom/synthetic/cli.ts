import path from 'node:path';
import { parseArgs } from 'node:util';
import { IMPLICIT_VR_LITTLE_ENDIAN } from '@telestroke/shared';
import { writeStudy } from './synthetic';
import type { Side, SyntheticStudyKind, SyntheticStudyOptions } from './types';

const USAGE = `Usage: npx tsx server/src/dicom/synthetic/cli.ts --out DIR [options]

Writes a synthetic head CT study (never real patient data) as DIR/1.dcm, DIR/2.dcm…

  --kind ct|cta|ct+cta   default ct
  --slices N             per series, default 300
  --rows N --cols N      default 512 x 512
  --patient-id X         default SYN-<6 digits>
  --accession Y          default SYN<8 digits>
  --side left|right      side of the stroke, default left
  --seed N               pixel noise seed, default 1
  --implicit             implicit VR little endian instead of explicit`;

class UsageError extends Error {}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number, not ${value}`);
  return Number(value);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, not ${value}`);
  }
  return value as T;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kind: { type: 'string' },
      slices: { type: 'string' },
      rows: { type: 'string' },
      cols: { type: 'string' },
      out: { type: 'string' },
      'patient-id': { type: 'string' },
      accession: { type: 'string' },
      side: { type: 'string' },
      seed: { type: 'string' },
      implicit: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.out) throw new UsageError('--out DIR is required');
  const options: SyntheticStudyOptions = {
    kind: oneOf<SyntheticStudyKind>(values.kind, ['ct', 'cta', 'ct+cta'], 'kind'),
    slices: int(values.slices, 'slices'),
    rows: int(values.rows, 'rows'),
    columns: int(values.cols, 'cols'),
    patientId: values['patient-id'],
    accessionNumber: values.accession,
    strokeSide: oneOf<Side>(values.side, ['left', 'right'], 'side'),
    seed: int(values.seed, 'seed'),
    transferSyntaxUid: values.implicit ? IMPLICIT_VR_LITTLE_ENDIAN : undefined,
  };
  const started = performance.now();
  const study = await writeStudy(path.resolve(values.out), options);
  const seconds = (performance.now() - started) / 1000;
  console.log(`Study ${study.studyInstanceUid}`);
  console.log(`  patient ${study.patientId}, accession ${study.accessionNumber}`);
  for (const s of study.series) {
    console.log(`  ${s.series.toUpperCase()} series ${s.seriesInstanceUid}: ${s.instances} files`);
  }
  console.log(
    `${study.files.length} files, ${(study.totalBytes / 1e6).toFixed(1)} MB in ${path.resolve(values.out)} ` +
      `(${seconds.toFixed(1)} s)`,
  );
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const parseArgsError = (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
  if (error instanceof UsageError || error instanceof RangeError || parseArgsError) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error);
    process.exitCode = 1;
  }
});
