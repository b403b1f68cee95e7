import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useT } from '../i18n/I18nProvider';
import { formatDicomDate, formatDicomTime, type StudyHeader } from './dicomJson';
import type { SeriesStack } from './series';
import { StackViewport, type Tool, type ViewportSnapshot } from './StackViewport';

interface ViewportViewProps {
  n: 0 | 1;
  series: SeriesStack | undefined;
  header: StudyHeader;
  tool: Tool;
  active: boolean;
  /** Hands the imperative viewport to the page (null on unmount). */
  onViewport(n: 0 | 1, viewport: StackViewport | null): void;
  onActivate(n: 0 | 1): void;
}

const EMPTY: ViewportSnapshot = {
  seriesUid: undefined,
  index: 0,
  count: 0,
  location: undefined,
  ww: 0,
  wc: 0,
  invert: false,
  scale: 1,
  mip: false,
  mipMm: 0,
  cine: false,
  drawn: false,
  drawnIndex: -1,
  drawnMipMm: 0,
  imageError: false,
  measurements: [],
};

/** One viewport: the cornerstone element, the measurement layer and the patient, study and slice overlay. */
export function ViewportView({ n, series, header, tool, active, onViewport, onActivate }: ViewportViewProps) {
  const t = useT();
  const elementRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const vpRef = useRef<StackViewport | null>(null);
  const subscribers = useRef(new Set<() => void>());

  useEffect(() => {
    const vp = new StackViewport(elementRef.current!, overlayRef.current!);
    vpRef.current = vp;
    const off = vp.subscribe(() => {
      for (const s of subscribers.current) s();
    });
    onViewport(n, vp);
    for (const s of subscribers.current) s();
    return () => {
      off();
      onViewport(n, null);
      vpRef.current = null;
      vp.destroy();
    };
  }, [n, onViewport]);

  useEffect(() => {
    if (series) vpRef.current?.setSeries(series);
  }, [series]);

  useEffect(() => {
    vpRef.current?.setTool(tool);
  }, [tool]);

  const snap = useSyncExternalStore(
    (cb) => {
      subscribers.current.add(cb);
      return () => subscribers.current.delete(cb);
    },
    () => vpRef.current?.snapshot ?? EMPTY,
  );

  const summary = series?.summary;
  const slice = series?.stack.slices[snap.index];
  return (
    <div
      className={`viewer-vp${active ? ' viewer-vp-active' : ''}`}
      onPointerDownCapture={() => onActivate(n)}
      data-testid={`viewer-viewport-${n}`}
    >
      <div
        ref={elementRef}
        className={`viewer-vp-element viewer-tool-${tool}`}
        data-testid={`viewer-canvas-${n}`}
        role="img"
        aria-label={summary?.description ?? t('viewer.title')}
      />
      <canvas ref={overlayRef} className="viewer-vp-measures" aria-hidden="true" />
      <div className="viewer-vp-text viewer-vp-tl">
        {/* The name is shown to the clinician only: it never leaves this overlay. */}
        {header.patientName && <div className="viewer-vp-name">{header.patientName}</div>}
        {(header.birthDate || header.sex) && (
          <div>
            {header.birthDate ? t('viewer.overlay.birth', { date: formatDicomDate(header.birthDate) ?? '' }) : ''} {header.sex ?? ''}
          </div>
        )}
        {header.patientId && <div>{header.patientId}</div>}
      </div>
      <div className="viewer-vp-text viewer-vp-tr">
        {header.institution && <div>{header.institution}</div>}
        {header.studyDate && (
          <div>
            {t('viewer.overlay.study', {
              date: formatDicomDate(header.studyDate) ?? '',
              time: formatDicomTime(header.studyTime) ?? '',
            })}
          </div>
        )}
        {summary && (
          <div>
            {summary.modality ?? ''} {summary.number !== undefined ? `#${summary.number}` : ''} {summary.description ?? ''}
          </div>
        )}
      </div>
      <div className="viewer-vp-text viewer-vp-bl">
        <div
          data-testid="viewer-slice"
          data-index={snap.index}
          data-count={snap.count}
          data-drawn-index={snap.drawnIndex}
          data-drawn-mip={snap.drawnMipMm}
        >
          {t('viewer.slice', { index: snap.count ? snap.index + 1 : 0, count: snap.count })}
          {snap.location !== undefined && ` · ${snap.location.toFixed(1)} mm`}
        </div>
        {snap.mip && <div className="viewer-vp-mip">{t('viewer.mipActive', { mm: snap.mipMm })}</div>}
        {slice?.sliceThickness !== undefined && !snap.mip && <div>{slice.sliceThickness.toFixed(2)} mm</div>}
      </div>
      <div className="viewer-vp-text viewer-vp-br">
        <div>{t('viewer.wl', { ww: Math.round(snap.ww), wc: Math.round(snap.wc) })}</div>
        <div data-testid="viewer-zoom" data-scale={snap.scale.toFixed(3)}>
          {t('viewer.zoom', { zoom: Math.round(snap.scale * 100) })}
        </div>
      </div>
      {snap.imageError && <div className="viewer-vp-error">{t('viewer.imageError')}</div>}
      {!snap.drawn && !snap.imageError && series && <div className="viewer-vp-wait" aria-hidden="true" />}
    </div>
  );
}
