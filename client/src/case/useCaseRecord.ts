import type { CaseRecordDto, NihssAssessmentDto } from '@telestroke/shared';
import { useCallback, useEffect, useState } from 'react';
import { useServerEvents } from '../realtime/RealtimeProvider';
import { useResource } from '../ui/useResource';
import { mergeAssessment } from './caseRecord';

export interface CaseRecordState {
  record: CaseRecordDto | null;
  /** The load failed and nothing is shown yet. */
  error: unknown;
  reload(): void;
  /** A newer record from an action's answer. */
  setRecord(record: CaseRecordDto): void;
  /** An assessment from an action's answer, merged like a live one. */
  mergeNihss(assessment: NihssAssessmentDto): void;
}

/**
 * A case record kept live: NIHSS changes arrive whole over the WebSocket and are merged at once (the ward doctor
 * follows the neurologist's scoring item by item); other changes say only what changed, and the record is fetched
 * again, which the server audits as a read.
 */
export function useCaseRecord(load: (signal: AbortSignal) => Promise<CaseRecordDto>, key: string): CaseRecordState {
  const loaded = useResource(load, [key]);
  const [record, setRecordState] = useState<CaseRecordDto | null>(null);
  const fetched = loaded.status === 'ready' ? loaded.data : null;
  useEffect(() => {
    if (!fetched) return;
    // A live NIHSS change may have overtaken this answer: keep whichever version of each assessment is newer.
    setRecordState((prev) =>
      prev && prev.id === fetched.id ? { ...fetched, nihss: fetched.nihss.reduce(mergeAssessment, prev.nihss) } : fetched,
    );
  }, [fetched]);

  const mergeNihss = useCallback((assessment: NihssAssessmentDto) => {
    setRecordState((r) => (r && r.id === assessment.caseId ? { ...r, nihss: mergeAssessment(r.nihss, assessment) } : r));
  }, []);

  useServerEvents(
    (event) => {
      if (event.type === 'case.nihss') mergeNihss(event.assessment);
      else if (event.type === 'case.updated' && record && event.caseId === record.id && event.reason !== 'nihss') {
        loaded.reload();
      }
    },
    () => loaded.reload(),
  );

  return {
    record,
    error: loaded.status === 'error' ? loaded.error : null,
    reload: loaded.reload,
    setRecord: setRecordState,
    mergeNihss,
  };
}
