import { useEffect, useRef, useState } from 'react';
import { useT } from '../i18n/I18nProvider';

type DicomJson = Record<string, { Value?: unknown[] } | undefined>;

const first = (ds: DicomJson | undefined, tag: string): unknown => ds?.[tag]?.Value?.[0];

async function qido(path: string, signal: AbortSignal): Promise<DicomJson[]> {
  const res = await fetch(path, { headers: { Accept: 'application/dicom+json' }, credentials: 'same-origin', signal });
  if (!res.ok) throw new Error(`QIDO answered ${res.status}`);
  // No match answers 204 without a body.
  return res.status === 204 ? [] : ((await res.json()) as DicomJson[]);
}

/**
 * The URL of a picture of the study: the middle slice of its first image series, rendered by our own DICOMweb
 * (`/rendered`) at thumbnail size in the series' own window. Null when the study has no instance yet.
 */
export async function thumbnailUrl(studyInstanceUid: string, size: number, signal: AbortSignal): Promise<string | null> {
  const study = `/dicom-web/studies/${encodeURIComponent(studyInstanceUid)}`;
  const series = await qido(`${study}/series?limit=10`, signal);
  // Images rather than structured reports or presentation states, when the study holds both.
  const imaging = series.find((s) => ['CT', 'MR', 'XA', 'CR', 'DX'].includes(String(first(s, '00080060')))) ?? series[0];
  const seriesUid = first(imaging, '0020000E');
  if (typeof seriesUid !== 'string') return null;
  const count = Number(first(imaging, '00201209') ?? 1);
  const offset = Number.isFinite(count) && count > 1 ? Math.floor(count / 2) : 0;
  const seriesPath = `${study}/series/${encodeURIComponent(seriesUid)}`;
  const [instance] = await qido(`${seriesPath}/instances?limit=1&offset=${offset}`, signal);
  const sop = first(instance, '00080018');
  if (typeof sop !== 'string') return null;
  return `${seriesPath}/instances/${encodeURIComponent(sop)}/rendered?viewport=${size},${size}&quality=80`;
}

/**
 * A study's thumbnail, fetched once the row scrolls into view (a long list would otherwise query every study), and
 * again when `version` changes (more images arrived).
 */
export function Thumbnail({ studyInstanceUid, version, size = 96 }: { studyInstanceUid: string; version: string; size?: number }) {
  const t = useT();
  const box = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = box.current;
    if (!el || visible) return;
    if (typeof IntersectionObserver !== 'function') {
      setVisible(true);
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        setVisible(true);
        observer.disconnect();
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [visible]);

  useEffect(() => {
    if (!visible) return;
    const controller = new AbortController();
    thumbnailUrl(studyInstanceUid, size, controller.signal).then(
      (url) => {
        if (controller.signal.aborted) return;
        setSrc(url);
        setFailed(false);
      },
      () => {
        if (!controller.signal.aborted) setFailed(true);
      },
    );
    return () => controller.abort();
  }, [visible, studyInstanceUid, version, size]);

  return (
    <div className="wl-thumb" ref={box} style={{ width: size, height: size }} data-testid="worklist-thumb" data-loaded={src ? 'true' : 'false'}>
      {src && !failed ? (
        <img src={src} alt={t('worklist.thumbnail')} width={size} height={size} onError={() => setFailed(true)} />
      ) : (
        <span className="wl-thumb-empty" aria-hidden="true" />
      )}
    </div>
  );
}
