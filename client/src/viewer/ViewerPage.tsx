import { useCallback, useEffect, useReducer, useRef, useState, type ReactNode } from 'react';
import { errorMessageKey } from '../i18n/errors';
import type { MessageKey } from '../i18n/fr';
import { useI18n } from '../i18n/I18nProvider';
import { syncIndex } from './geometry';
import { clampSlab, MIP_DEFAULT_MM, MIP_MAX_MM, MIP_MIN_MM } from './mip';
import { matchingPreset, presetForKey, PRESETS, SHORTCUTS } from './presets';
import { disposeStudy, isAngio, loadStudy, type LoadedStudy, type SeriesStack } from './series';
import type { StackViewport, Tool } from './StackViewport';
import { ViewportView } from './ViewportView';
import './viewer.css';

/** Timings the benchmark and the browser tests read, as performance.now() values. */
export interface ViewerTimings {
  openedAt: number;
  firstImageAt?: number;
  allCachedAt?: number;
}

declare global {
  interface Window {
    __viewer?: ViewerTimings;
  }
}

export interface ViewerPageProps {
  studyInstanceUid: string;
  /** Shown beside the images on wide screens, below them on narrow ones (the report form). */
  sidePanel?: ReactNode;
  onClose?: () => void;
}

type LoadState = { status: 'loading' } | { status: 'error'; message: MessageKey } | { status: 'ready'; study: LoadedStudy };

const TOOLS: Array<{ id: Tool; label: MessageKey; key: string; testId?: string }> = [
  { id: 'scroll', label: 'viewer.tool.scroll', key: 's' },
  { id: 'wl', label: 'viewer.tool.wl', key: 'w' },
  { id: 'pan', label: 'viewer.tool.pan', key: 'p' },
  { id: 'zoom', label: 'viewer.tool.zoom', key: 'z' },
  { id: 'length', label: 'viewer.tool.length', key: 'l', testId: 'viewer-measure-length' },
  { id: 'roi', label: 'viewer.tool.roi', key: 'o', testId: 'viewer-measure-roi' },
];

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * The stroke CT viewer: series browser with thumbnails, one or two synchronised viewports (NCCT beside CTA),
 * presets, tools, MIP, measurements and a help overlay; `sidePanel` (the report form) sits beside or below.
 */
export function ViewerPage({ studyInstanceUid, sidePanel, onClose }: ViewerPageProps) {
  const { t, lang } = useI18n();
  const [load, setLoad] = useState<LoadState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [layout, setLayout] = useState<1 | 2>(1);
  const [assigned, setAssigned] = useState<[number, number]>([0, 1]);
  const [active, setActive] = useState<0 | 1>(0);
  const [tool, setTool] = useState<Tool>('scroll');
  const [sync, setSync] = useState(true);
  const [mipMm, setMipMm] = useState(MIP_DEFAULT_MM);
  const [help, setHelp] = useState(false);
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const viewports = useRef<[StackViewport | null, StackViewport | null]>([null, null]);
  const frame = useRef(0);

  // Re-renders at most once a frame, however many images arrive or drags happen in it.
  const schedule = useCallback(() => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      rerender();
    });
  }, []);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  useEffect(() => {
    const timings: ViewerTimings = { openedAt: performance.now() };
    window.__viewer = timings;
    const controller = new AbortController();
    let loaded: LoadedStudy | undefined;
    setLoad({ status: 'loading' });
    loadStudy(studyInstanceUid, controller.signal).then(
      (study) => {
        if (controller.signal.aborted) {
          disposeStudy(study);
          return;
        }
        loaded = study;
        setLoad({ status: 'ready', study });
        const primary = study.series[0];
        if (!primary) return;
        const done = () => {
          if (primary.complete && timings.allCachedAt === undefined) timings.allCachedAt = primary.allLoadedAt ?? performance.now();
        };
        primary.subscribe(done);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setLoad({ status: 'error', message: errorMessageKey(err) });
      },
    );
    return () => {
      controller.abort();
      if (loaded) disposeStudy(loaded);
    };
  }, [studyInstanceUid, attempt]);

  const study = load.status === 'ready' ? load.study : undefined;
  const seriesOf = (n: 0 | 1): SeriesStack | undefined => study?.series[assigned[n]] ?? undefined;
  const shown: SeriesStack[] = [];
  for (const n of layout === 2 ? ([0, 1] as const) : ([0] as const)) {
    const s = seriesOf(n);
    if (s && !shown.includes(s)) shown.push(s);
  }

  // `shown` is derived from these: a new array each render, so it is not a dependency itself.
  useEffect(() => {
    const offs = shown.map((s) => s.subscribe(schedule));
    return () => offs.forEach((off) => off());
  }, [study, assigned[0], assigned[1], layout, schedule]);

  const onViewport = useCallback(
    (n: 0 | 1, vp: StackViewport | null) => {
      viewports.current[n] = vp;
      if (!vp) return;
      vp.subscribe(schedule);
      vp.onDrawn(() => {
        const timings = window.__viewer;
        if (n === 0 && timings && timings.firstImageAt === undefined) timings.firstImageAt = performance.now();
      });
      vp.onSlice((index) => {
        const other = viewports.current[n === 0 ? 1 : 0];
        if (!syncRef.current || !other || !vp.series || !other.series) return;
        other.setIndex(syncIndex(vp.series.stack, index, other.series.stack));
      });
      schedule();
    },
    [schedule],
  );
  const syncRef = useRef(sync);
  syncRef.current = sync && layout === 2;

  // A viewport that (re)appears or changes series lines up with the other one.
  useEffect(() => {
    if (layout !== 2) return;
    const [a, b] = viewports.current;
    if (a?.series && b?.series) b.setIndex(syncIndex(a.series.stack, a.index, b.series.stack));
  }, [layout, assigned, study]);

  const activeVp = () => viewports.current[layout === 2 ? active : 0];
  const snap = activeVp()?.snapshot;

  const toggleMip = useCallback(() => {
    const vp = viewports.current[layout === 2 ? active : 0];
    if (vp) vp.setMip(!vp.snapshot.mip, mipMm);
  }, [active, layout, mipMm]);

  const resetAll = useCallback(() => {
    const vp = viewports.current[layout === 2 ? active : 0];
    vp?.reset();
  }, [active, layout]);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || isEditable(e.target) || e.altKey) return;
      if ((e.ctrlKey || e.metaKey) && !['+', '-', '='].includes(e.key)) return;
      const vp = viewports.current[layout === 2 ? active : 0];
      let handled = true;
      const preset = presetForKey(e.key);
      if (preset) vp?.applyPreset(preset.id);
      else
        switch (e.key) {
          case 'ArrowUp':
            vp?.step(-1);
            break;
          case 'ArrowDown':
            vp?.step(1);
            break;
          case 'PageUp':
            vp?.step(-10);
            break;
          case 'PageDown':
            vp?.step(10);
            break;
          case 'Home':
            vp?.setIndex(0, { fromUser: true });
            break;
          case 'End':
            vp?.setIndex(Number.MAX_SAFE_INTEGER, { fromUser: true });
            break;
          case 'i':
            vp?.toggleInvert();
            break;
          case 'r':
            vp?.reset();
            break;
          case 'c':
            vp?.toggleCine();
            break;
          case 'm':
            if (vp) vp.setMip(!vp.snapshot.mip, mipMm);
            break;
          case '+':
          case '=':
            vp?.zoomBy(1.25);
            break;
          case '-':
            vp?.zoomBy(0.8);
            break;
          case 'v':
            if (layout === 2) setActive((a) => (a === 0 ? 1 : 0));
            break;
          case '?':
            setHelp((h) => !h);
            break;
          case 'Escape':
            setHelp(false);
            vp?.cancelDraft();
            break;
          default: {
            const tl = TOOLS.find((x) => x.key === e.key);
            if (tl) setTool(tl.id);
            else handled = false;
          }
        }
      if (handled) e.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, layout, mipMm]);

  const loaded = shown.reduce((n, s) => n + s.loaded + s.failed, 0);
  const total = shown.reduce((n, s) => n + s.count, 0);
  const state = load.status === 'ready' ? (study!.series.length ? 'ready' : 'error') : load.status;
  const activeSeries = seriesOf(layout === 2 ? active : 0);
  const currentPreset = snap ? matchingPreset({ windowWidth: snap.ww, windowCenter: snap.wc }) : undefined;

  return (
    <div className={`viewer${sidePanel ? ' viewer-with-side' : ''}`} data-testid="viewer" data-state={state} lang={lang}>
      <div className="viewer-main">
        {load.status === 'loading' && (
          <div className="viewer-status" role="status">
            {t('viewer.loading')}
          </div>
        )}
        {(load.status === 'error' || (study && study.series.length === 0)) && (
          <div className="viewer-status viewer-status-error" role="alert">
            <p>{load.status === 'error' ? t(load.message) : t('viewer.noImages')}</p>
            <div className="viewer-status-actions">
              {load.status === 'error' && (
                <button type="button" className="btn btn-primary" onClick={() => setAttempt((a) => a + 1)}>
                  {t('viewer.retry')}
                </button>
              )}
              {onClose && (
                <button type="button" className="btn btn-secondary" onClick={onClose}>
                  {t('viewer.close')}
                </button>
              )}
            </div>
          </div>
        )}
        {study && study.series.length > 0 && (
          <>
            <div className="viewer-top">
              <nav className="viewer-series" aria-label={t('viewer.series')}>
                {study.series.map((s, i) => (
                  <button
                    key={s.uid}
                    type="button"
                    className="viewer-thumb"
                    data-testid="viewer-series-thumb"
                    data-series-uid={s.uid}
                    aria-pressed={assigned[layout === 2 ? active : 0] === i}
                    onClick={() => {
                      const n = layout === 2 ? active : 0;
                      setAssigned((a) => (n === 0 ? [i, a[1]] : [a[0], i]));
                    }}
                  >
                    <img src={s.stack.slices[s.middle]!.renderedUrl} alt="" loading="lazy" width={72} height={72} />
                    <span className="viewer-thumb-text">
                      <span className="viewer-thumb-title">
                        {s.summary.modality ?? ''} {s.summary.description ?? ''}
                      </span>
                      <span className="viewer-thumb-count">{t('viewer.seriesImages', { count: s.count })}</span>
                    </span>
                  </button>
                ))}
              </nav>
              {onClose && (
                <button type="button" className="btn btn-secondary viewer-close" onClick={onClose} data-testid="viewer-close">
                  {t('viewer.close')}
                </button>
              )}
            </div>
            <div className="viewer-toolbar" role="toolbar" aria-label={t('viewer.toolbar')}>
              <div className="viewer-group" role="group" aria-label={t('viewer.presets')}>
                {PRESETS.map((p) => (
                  <button
                    key={p.id}
                    type="button"
                    className="viewer-btn"
                    data-testid={`viewer-preset-${p.id}`}
                    aria-pressed={currentPreset === p.id}
                    title={`${p.key} · W${p.ww} / L${p.wc}`}
                    onClick={() => activeVp()?.applyPreset(p.id)}
                  >
                    {t(`viewer.preset.${p.id}`)}
                  </button>
                ))}
                <output className="viewer-wl" data-testid="viewer-wl" data-ww={Math.round(snap?.ww ?? 0)} data-wc={Math.round(snap?.wc ?? 0)}>
                  {t('viewer.wl', { ww: Math.round(snap?.ww ?? 0), wc: Math.round(snap?.wc ?? 0) })}
                </output>
              </div>
              <div className="viewer-group" role="group" aria-label={t('viewer.tool.label')}>
                {TOOLS.map((tl) => (
                  <button
                    key={tl.id}
                    type="button"
                    className="viewer-btn"
                    data-testid={tl.testId ?? `viewer-tool-${tl.id}`}
                    aria-pressed={tool === tl.id}
                    title={tl.key}
                    onClick={() => setTool(tl.id)}
                  >
                    {t(tl.label)}
                  </button>
                ))}
              </div>
              <div className="viewer-group">
                <button type="button" className="viewer-btn" data-testid="viewer-invert" aria-pressed={snap?.invert ?? false} onClick={() => activeVp()?.toggleInvert()}>
                  {t('viewer.invert')}
                </button>
                <button type="button" className="viewer-btn" data-testid="viewer-reset" onClick={resetAll}>
                  {t('viewer.reset')}
                </button>
                <button type="button" className="viewer-btn" data-testid="viewer-cine" aria-pressed={snap?.cine ?? false} onClick={() => activeVp()?.toggleCine()}>
                  {snap?.cine ? t('viewer.cineStop') : t('viewer.cine')}
                </button>
                <button
                  type="button"
                  className={`viewer-btn${activeSeries && isAngio(activeSeries.summary) ? ' viewer-btn-hint' : ''}`}
                  data-testid="viewer-mip"
                  aria-pressed={snap?.mip ?? false}
                  onClick={toggleMip}
                >
                  {t('viewer.mip')}
                </button>
                <label className="viewer-mip-mm">
                  <span className="visually-hidden">{t('viewer.mipThickness')}</span>
                  <input
                    type="number"
                    inputMode="numeric"
                    min={MIP_MIN_MM}
                    max={MIP_MAX_MM}
                    step={1}
                    value={mipMm}
                    title={t('viewer.mipThickness')}
                    data-testid="viewer-mip-thickness"
                    onChange={(e) => {
                      const mm = clampSlab(Number(e.target.value));
                      setMipMm(mm);
                      const vp = activeVp();
                      if (vp?.snapshot.mip) vp.setMip(true, mm);
                    }}
                  />
                  <span aria-hidden="true">mm</span>
                </label>
              </div>
              <div className="viewer-group">
                {study.series.length > 1 && (
                  <button
                    type="button"
                    className="viewer-btn"
                    data-testid="viewer-layout"
                    aria-pressed={layout === 2}
                    onClick={() => {
                      setLayout((l) => (l === 1 ? 2 : 1));
                      setActive(0);
                    }}
                  >
                    {layout === 1 ? t('viewer.layout2') : t('viewer.layout1')}
                  </button>
                )}
                {layout === 2 && (
                  <label className="viewer-check">
                    <input type="checkbox" checked={sync} onChange={(e) => setSync(e.target.checked)} data-testid="viewer-sync" />
                    {t('viewer.sync')}
                  </label>
                )}
                <button type="button" className="viewer-btn" data-testid="viewer-help" aria-expanded={help} onClick={() => setHelp((h) => !h)}>
                  {t('viewer.help')}
                </button>
              </div>
            </div>
            <div
              className="viewer-progress"
              data-testid="viewer-progress"
              data-loaded={loaded}
              data-total={total}
              role="progressbar"
              aria-valuemin={0}
              aria-valuemax={total}
              aria-valuenow={loaded}
              aria-label={loaded < total ? t('viewer.progress', { loaded, total }) : t('viewer.progressDone', { total })}
            >
              <div className="viewer-progress-bar" style={{ width: `${total ? (100 * loaded) / total : 0}%` }} />
              <span className="viewer-progress-text">
                {loaded < total ? t('viewer.progress', { loaded, total }) : t('viewer.progressDone', { total })}
              </span>
            </div>
            <div className={`viewer-stage viewer-stage-${layout}`}>
              <ViewportView
                n={0}
                series={seriesOf(0)}
                header={study.header}
                tool={tool}
                active={layout === 2 && active === 0}
                onViewport={onViewport}
                onActivate={setActive}
              />
              {layout === 2 && (
                <ViewportView
                  n={1}
                  series={seriesOf(1)}
                  header={study.header}
                  tool={tool}
                  active={active === 1}
                  onViewport={onViewport}
                  onActivate={setActive}
                />
              )}
            </div>
            <MeasurementList snapshot={snap} onClear={() => activeVp()?.clearMeasurements()} />
            {help && <HelpOverlay onClose={() => setHelp(false)} />}
          </>
        )}
      </div>
      {sidePanel && <aside className="viewer-side">{sidePanel}</aside>}
    </div>
  );
}

function MeasurementList({ snapshot, onClear }: { snapshot: StackViewport['snapshot'] | undefined; onClear(): void }) {
  const { t } = useI18n();
  const items = snapshot?.measurements ?? [];
  if (items.length === 0) return null;
  const fmt = (v: number) => v.toFixed(1);
  return (
    <div className="viewer-measures">
      <ul data-testid="viewer-measure-results">
        {items.map((m) => (
          <li key={m.id} data-testid="viewer-measure-result" data-kind={m.kind} data-value={m.kind === 'length' ? (m.mm ?? '') : (m.stats?.mean ?? '')}>
            {m.kind === 'length'
              ? m.mm === undefined
                ? t('viewer.measure.noSpacing')
                : t('viewer.measure.length', { mm: fmt(m.mm) })
              : m.stats
                ? `${t('viewer.measure.roi', { mean: fmt(m.stats.mean), sd: fmt(m.stats.sd), min: Math.round(m.stats.min), max: Math.round(m.stats.max) })}${
                    m.stats.areaMm2 !== undefined ? ` · ${t('viewer.measure.area', { area: fmt(m.stats.areaMm2) })}` : ''
                  }`
                : '—'}
          </li>
        ))}
      </ul>
      <button type="button" className="viewer-btn" onClick={onClear}>
        {t('viewer.clearMeasures')}
      </button>
    </div>
  );
}

function HelpOverlay({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div className="viewer-help" role="dialog" aria-modal="true" aria-labelledby="viewer-help-title" data-testid="viewer-help-overlay">
      <div className="viewer-help-box">
        <h2 id="viewer-help-title">{t('viewer.help.title')}</h2>
        <dl>
          {SHORTCUTS.map((s) => (
            <div key={s.keys} className="viewer-help-row">
              <dt>
                <kbd>{s.keys}</kbd>
              </dt>
              <dd>{t(s.label)}</dd>
            </div>
          ))}
        </dl>
        <button ref={closeRef} type="button" className="btn btn-primary" onClick={onClose}>
          {t('viewer.help.close')}
        </button>
      </div>
    </div>
  );
}
