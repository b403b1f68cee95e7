import type { Image, Viewport } from 'cornerstone-core';
import { cornerstone, initCornerstone } from './cornerstone';
import { lengthMm, type PixelPoint } from './geometry';
import { clampSlab, maxIntensityHu, MIP_DEFAULT_MM, minMax, slabRange } from './mip';
import { dragWindow, PRESETS, type PresetId, type Voi } from './presets';
import type { SeriesStack } from './series';
import { ellipseHuStats, type HuStats } from './stats';

/** What a one-finger or left-button drag does. */
export type Tool = 'scroll' | 'wl' | 'zoom' | 'pan' | 'length' | 'roi';

export type Measurement =
  | { id: number; kind: 'length'; a: PixelPoint; b: PixelPoint }
  | { id: number; kind: 'roi'; start: PixelPoint; end: PixelPoint };

export type MeasurementResult =
  | { id: number; kind: 'length'; mm: number | undefined }
  | { id: number; kind: 'roi'; stats: HuStats | null };

export interface ViewportSnapshot {
  seriesUid: string | undefined;
  index: number;
  count: number;
  /** The slice's position along the stack normal, mm. */
  location: number | undefined;
  ww: number;
  wc: number;
  invert: boolean;
  scale: number;
  mip: boolean;
  mipMm: number;
  cine: boolean;
  /** Set once an image has been drawn. */
  drawn: boolean;
  /** Slice index of the image last drawn: lags `index` while the slice loads. -1 before the first. */
  drawnIndex: number;
  /** Slab thickness of the image last drawn, 0 for a plain slice. */
  drawnMipMm: number;
  imageError: boolean;
  measurements: MeasurementResult[];
}

type Listener = () => void;
type SliceListener = (index: number) => void;

const CINE_FPS = 12;
/** Vertical drag distance per slice, CSS pixels. */
const SCROLL_STEP_PX = 6;
const WHEEL_STEP = 40;
const MIN_SCALE = 0.1;
const MAX_SCALE = 20;

const BRAIN = PRESETS[0];

/**
 * One cornerstone viewport showing a stack: slice navigation, window, zoom and pan, invert, cine, thick-slab MIP and
 * measurements, driven by pointer (mouse, pen, touch with pinch), wheel and the viewer's keyboard shortcuts. Kept out
 * of React so that dragging and scrolling cost no render; React reads `snapshot` when `subscribe` says it changed.
 */
export class StackViewport {
  readonly element: HTMLDivElement;
  readonly #overlay: HTMLCanvasElement;
  #series: SeriesStack | undefined;
  #index = 0;
  #voi: Voi = { windowWidth: BRAIN.ww, windowCenter: BRAIN.wc };
  #invert = false;
  #mip = false;
  #mipMm = MIP_DEFAULT_MM;
  #tool: Tool = 'scroll';
  #cineTimer: ReturnType<typeof setInterval> | undefined;
  #drawn = false;
  #imageError = false;
  #generation = 0;
  #displayed: Image | undefined;
  #displayedAt = { index: -1, mipMm: 0 };
  #drawnAt = { index: -1, mipMm: 0 };
  #measurements = new Map<string, Measurement[]>();
  #draft: Measurement | undefined;
  #nextId = 1;
  #snapshot: ViewportSnapshot;
  readonly #listeners = new Set<Listener>();
  readonly #sliceListeners = new Set<SliceListener>();
  readonly #drawnListeners = new Set<Listener>();
  readonly #pointers = new Map<number, { x: number; y: number }>();
  #drag: { tool: Tool; x: number; y: number; acc: number; startPixel: PixelPoint } | undefined;
  #pinch: { distance: number; scale: number; mid: { x: number; y: number } } | undefined;
  #wheelAcc = 0;
  #resizeObserver: ResizeObserver;
  #destroyed = false;

  constructor(element: HTMLDivElement, overlay: HTMLCanvasElement) {
    initCornerstone();
    this.element = element;
    this.#overlay = overlay;
    cornerstone.enable(element);
    element.addEventListener(cornerstone.EVENTS.IMAGE_RENDERED, this.#onRendered);
    element.addEventListener('pointerdown', this.#onPointerDown);
    element.addEventListener('pointermove', this.#onPointerMove);
    element.addEventListener('pointerup', this.#onPointerUp);
    element.addEventListener('pointercancel', this.#onPointerUp);
    element.addEventListener('wheel', this.#onWheel, { passive: false });
    element.addEventListener('contextmenu', this.#preventDefault);
    this.#resizeObserver = new ResizeObserver(() => {
      if (this.#destroyed) return;
      cornerstone.resize(element, false);
      this.#drawOverlay();
    });
    this.#resizeObserver.observe(element);
    this.#snapshot = this.#makeSnapshot();
  }

  destroy(): void {
    this.#destroyed = true;
    this.stopCine();
    this.#resizeObserver.disconnect();
    this.element.removeEventListener(cornerstone.EVENTS.IMAGE_RENDERED, this.#onRendered);
    this.element.removeEventListener('pointerdown', this.#onPointerDown);
    this.element.removeEventListener('pointermove', this.#onPointerMove);
    this.element.removeEventListener('pointerup', this.#onPointerUp);
    this.element.removeEventListener('pointercancel', this.#onPointerUp);
    this.element.removeEventListener('wheel', this.#onWheel);
    this.element.removeEventListener('contextmenu', this.#preventDefault);
    cornerstone.disable(this.element);
    this.#listeners.clear();
    this.#sliceListeners.clear();
    this.#drawnListeners.clear();
  }

  get snapshot(): ViewportSnapshot {
    return this.#snapshot;
  }
  get series(): SeriesStack | undefined {
    return this.#series;
  }
  get index(): number {
    return this.#index;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Called when the user (not a sync) moves to another slice. */
  onSlice(listener: SliceListener): () => void {
    this.#sliceListeners.add(listener);
    return () => this.#sliceListeners.delete(listener);
  }

  /** Called after each draw. */
  onDrawn(listener: Listener): () => void {
    this.#drawnListeners.add(listener);
    return () => this.#drawnListeners.delete(listener);
  }

  setSeries(series: SeriesStack, index = series.middle): void {
    if (this.#series === series) return;
    this.stopCine();
    this.#series = series;
    this.#mip = false;
    this.#drawn = false;
    // The next image is fitted to the viewport afresh: another series may have another matrix.
    this.#displayed = undefined;
    this.#drawnAt = { index: -1, mipMm: 0 };
    this.#index = clampIndex(index, series.count);
    this.#show();
    series.prefetch(this.#index);
  }

  setIndex(index: number, options: { fromUser?: boolean } = {}): void {
    if (!this.#series) return;
    const next = clampIndex(index, this.#series.count);
    if (next === this.#index && this.#drawn) return;
    this.#index = next;
    this.#draft = undefined;
    this.#show();
    if (options.fromUser) for (const l of this.#sliceListeners) l(next);
  }

  step(delta: number): void {
    this.setIndex(this.#index + delta, { fromUser: true });
  }

  setTool(tool: Tool): void {
    this.#tool = tool;
    this.#draft = undefined;
    this.#drawOverlay();
  }

  setVoi(voi: Voi): void {
    this.#voi = { windowWidth: Math.max(1, voi.windowWidth), windowCenter: voi.windowCenter };
    this.#applyViewport({ voi: { ...this.#voi } });
  }

  applyPreset(id: PresetId): void {
    const p = PRESETS.find((x) => x.id === id);
    if (p) this.setVoi({ windowWidth: p.ww, windowCenter: p.wc });
  }

  toggleInvert(): void {
    this.#invert = !this.#invert;
    this.#applyViewport({ invert: this.#invert });
  }

  zoomBy(factor: number): void {
    const vp = this.#viewport();
    if (!vp) return;
    this.#applyViewport({ scale: clampScale(vp.scale * factor) });
  }

  /** Fits the image, back to the brain window, not inverted; measurements stay. */
  reset(): void {
    this.#voi = { windowWidth: BRAIN.ww, windowCenter: BRAIN.wc };
    this.#invert = false;
    if (this.#displayed) {
      cornerstone.reset(this.element);
      this.#applyViewport({ voi: { ...this.#voi }, invert: false });
    }
    this.#emit();
  }

  toggleCine(): void {
    if (this.#cineTimer) this.stopCine();
    else this.startCine();
  }

  startCine(): void {
    if (this.#cineTimer || !this.#series) return;
    this.#cineTimer = setInterval(() => {
      const s = this.#series;
      if (!s) return;
      this.setIndex(this.#index + 1 >= s.count ? 0 : this.#index + 1, { fromUser: true });
    }, 1000 / CINE_FPS);
    this.#emit();
  }

  stopCine(): void {
    if (!this.#cineTimer) return;
    clearInterval(this.#cineTimer);
    this.#cineTimer = undefined;
    this.#emit();
  }

  setMip(on: boolean, mm = this.#mipMm): void {
    this.#mip = on;
    this.#mipMm = clampSlab(mm);
    this.#show();
  }

  clearMeasurements(): void {
    this.#measurements.delete(this.#key());
    this.#draft = undefined;
    this.#drawOverlay();
    this.#emit();
  }

  cancelDraft(): void {
    if (!this.#draft) return;
    this.#draft = undefined;
    this.#drawOverlay();
  }

  // ---- display ----

  #key(): string {
    return `${this.#series?.uid ?? ''}:${this.#index}`;
  }

  /** Shows the current slice (or slab); stale answers from earlier requests are dropped. */
  #show(): void {
    const series = this.#series;
    if (!series) return;
    const generation = ++this.#generation;
    const index = this.#index;
    if (!this.#mip) {
      const cached = series.image(index);
      if (cached) {
        this.#display(cached, index, 0);
        return;
      }
      series.load(index, true).then(
        (image) => {
          if (generation === this.#generation && !this.#destroyed) this.#display(image, index, 0);
        },
        () => {
          if (generation !== this.#generation || this.#destroyed) return;
          this.#imageError = true;
          this.#emit();
        },
      );
      this.#emit();
      return;
    }
    const [first, last] = slabRange(series.stack.locations, index, this.#mipMm);
    const wanted: Promise<Image>[] = [];
    for (let i = first; i <= last; i++) wanted.push(series.load(i, true));
    Promise.allSettled(wanted).then((results) => {
      if (generation !== this.#generation || this.#destroyed) return;
      const images = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      if (images.length === 0) {
        this.#imageError = true;
        this.#emit();
        return;
      }
      this.#display(buildMip(images, `mip:${series.uid}:${first}-${last}`), index, this.#mipMm);
    });
    this.#emit();
  }

  #display(image: Image, index: number, mipMm: number): void {
    const first = !this.#displayed;
    this.#displayed = image;
    this.#displayedAt = { index, mipMm };
    this.#imageError = false;
    const current = this.#viewport();
    const viewport: Viewport = first || !current ? cornerstone.getDefaultViewportForImage(this.element, image) : { ...current };
    viewport.voi = { ...this.#voi };
    viewport.invert = this.#invert;
    cornerstone.displayImage(this.element, image, viewport);
  }

  #viewport(): Required<Viewport> | undefined {
    if (!this.#displayed) return undefined;
    return cornerstone.getViewport(this.element);
  }

  #applyViewport(change: Viewport): void {
    const vp = this.#viewport();
    if (vp) cornerstone.setViewport(this.element, { ...vp, ...change });
    else this.#emit();
  }

  #onRendered = (): void => {
    const vp = this.#viewport();
    if (vp) {
      this.#voi = { windowWidth: vp.voi.windowWidth, windowCenter: vp.voi.windowCenter };
      this.#invert = vp.invert;
    }
    this.#drawn = true;
    this.#drawnAt = this.#displayedAt;
    this.#drawOverlay();
    this.#emit();
    for (const l of this.#drawnListeners) l();
  };

  #emit(): void {
    this.#snapshot = this.#makeSnapshot();
    for (const l of this.#listeners) l();
  }

  #makeSnapshot(): ViewportSnapshot {
    const s = this.#series;
    return {
      seriesUid: s?.uid,
      index: this.#index,
      count: s?.count ?? 0,
      location: s?.stack.normal ? s.stack.locations[this.#index] : undefined,
      ww: this.#voi.windowWidth,
      wc: this.#voi.windowCenter,
      invert: this.#invert,
      scale: this.#displayed ? (cornerstone.getViewport(this.element)?.scale ?? 1) : 1,
      mip: this.#mip,
      mipMm: this.#mipMm,
      cine: Boolean(this.#cineTimer),
      drawn: this.#drawn,
      drawnIndex: this.#drawnAt.index,
      drawnMipMm: this.#drawnAt.mipMm,
      imageError: this.#imageError,
      measurements: this.#results(),
    };
  }

  #results(): MeasurementResult[] {
    const list = this.#measurements.get(this.#key()) ?? [];
    const image = this.#displayed;
    const spacing = this.#series?.stack.slices[this.#index]?.pixelSpacing;
    return list.map((m): MeasurementResult => {
      if (m.kind === 'length') return { id: m.id, kind: 'length', mm: lengthMm(m.a, m.b, spacing) };
      const stats = image
        ? ellipseHuStats(image.getPixelData(), image.columns, image.rows, m, image.slope, image.intercept, spacing)
        : null;
      return { id: m.id, kind: 'roi', stats };
    });
  }

  // ---- measurements overlay ----

  #drawOverlay(): void {
    const canvas = this.#overlay;
    const w = this.element.clientWidth;
    const h = this.element.clientHeight;
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.clearRect(0, 0, w, h);
    if (!this.#displayed) return;
    const list = [...(this.#measurements.get(this.#key()) ?? [])];
    if (this.#draft) list.push(this.#draft);
    const results = new Map(this.#results().map((r) => [r.id, r]));
    const toCanvas = (p: PixelPoint) => cornerstone.pixelToCanvas(this.element, p as never);
    ctx.lineWidth = 2;
    ctx.font = '600 13px system-ui, sans-serif';
    for (const m of list) {
      ctx.strokeStyle = m === this.#draft ? '#ffd54f' : '#4fc3f7';
      ctx.fillStyle = ctx.strokeStyle;
      let label = '';
      let anchor: { x: number; y: number };
      if (m.kind === 'length') {
        const a = toCanvas(m.a);
        const b = toCanvas(m.b);
        ctx.beginPath();
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(b.x, b.y);
        ctx.stroke();
        const mm = m === this.#draft ? lengthMm(m.a, m.b, this.#series?.stack.slices[this.#index]?.pixelSpacing) : (results.get(m.id) as { mm?: number } | undefined)?.mm;
        label = mm === undefined ? '?' : `${mm.toFixed(1)} mm`;
        anchor = { x: b.x + 6, y: b.y };
      } else {
        const a = toCanvas(m.start);
        const b = toCanvas(m.end);
        ctx.beginPath();
        ctx.ellipse((a.x + b.x) / 2, (a.y + b.y) / 2, Math.abs(b.x - a.x) / 2, Math.abs(b.y - a.y) / 2, 0, 0, 2 * Math.PI);
        ctx.stroke();
        const r = results.get(m.id);
        const stats = r && r.kind === 'roi' ? r.stats : null;
        label = stats ? `${stats.mean.toFixed(1)} ± ${stats.sd.toFixed(1)} HU` : '';
        anchor = { x: Math.max(a.x, b.x) + 6, y: Math.min(a.y, b.y) };
      }
      if (label) {
        ctx.save();
        ctx.strokeStyle = 'rgba(0,0,0,0.85)';
        ctx.lineWidth = 3;
        ctx.strokeText(label, anchor.x, anchor.y);
        ctx.fillText(label, anchor.x, anchor.y);
        ctx.restore();
      }
    }
  }

  // ---- input ----

  #preventDefault = (e: Event): void => e.preventDefault();

  #toolForButton(e: PointerEvent): Tool {
    if (e.pointerType === 'mouse') {
      if (e.button === 2) return 'wl';
      if (e.button === 1) return 'pan';
      if (e.ctrlKey || e.metaKey) return 'zoom';
      if (e.shiftKey) return 'pan';
    }
    return this.#tool;
  }

  #pixelAt(e: { clientX: number; clientY: number }): PixelPoint {
    return cornerstone.pageToPixel(this.element, e.clientX + window.scrollX, e.clientY + window.scrollY);
  }

  #onPointerDown = (e: PointerEvent): void => {
    if (!this.#displayed) return;
    this.element.setPointerCapture(e.pointerId);
    this.#pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    // Cancelling the pointer's default keeps text from being selected, but also keeps the focus where it was:
    // leave a field (the slab thickness, the report) so that the keyboard shortcuts reach the images again.
    const focused = document.activeElement;
    if (focused instanceof HTMLElement && focused !== document.body) focused.blur();
    e.preventDefault();
    if (this.#pointers.size === 2) {
      // A second finger turns whatever the first was doing into a pinch: zoom and pan together.
      this.#drag = undefined;
      this.#draft = undefined;
      const [p, q] = [...this.#pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
      this.#pinch = {
        distance: Math.hypot(q.x - p.x, q.y - p.y) || 1,
        scale: this.#viewport()?.scale ?? 1,
        mid: { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 },
      };
      return;
    }
    if (this.#pointers.size > 2) return;
    const tool = this.#toolForButton(e);
    const startPixel = this.#pixelAt(e);
    this.#drag = { tool, x: e.clientX, y: e.clientY, acc: 0, startPixel };
    if (tool === 'length') this.#draft = { id: 0, kind: 'length', a: startPixel, b: startPixel };
    if (tool === 'roi') this.#draft = { id: 0, kind: 'roi', start: startPixel, end: startPixel };
  };

  #onPointerMove = (e: PointerEvent): void => {
    if (!this.#pointers.has(e.pointerId)) return;
    this.#pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    if (this.#pinch && this.#pointers.size >= 2) {
      const [p, q] = [...this.#pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
      const distance = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      const mid = { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
      const vp = this.#viewport();
      if (!vp) return;
      const scale = clampScale(this.#pinch.scale * (distance / this.#pinch.distance));
      const dx = (mid.x - this.#pinch.mid.x) / scale;
      const dy = (mid.y - this.#pinch.mid.y) / scale;
      this.#pinch.mid = mid;
      cornerstone.setViewport(this.element, { ...vp, scale, translation: { x: vp.translation.x + dx, y: vp.translation.y + dy } });
      return;
    }
    const drag = this.#drag;
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    drag.x = e.clientX;
    drag.y = e.clientY;
    const vp = this.#viewport();
    if (!vp) return;
    switch (drag.tool) {
      case 'scroll': {
        drag.acc += dy;
        const steps = Math.trunc(drag.acc / SCROLL_STEP_PX);
        if (steps !== 0) {
          drag.acc -= steps * SCROLL_STEP_PX;
          this.step(steps);
        }
        break;
      }
      case 'wl':
        this.setVoi(dragWindow(this.#voi, dx, dy));
        break;
      case 'zoom':
        cornerstone.setViewport(this.element, { ...vp, scale: clampScale(vp.scale * Math.exp(-dy / 150)) });
        break;
      case 'pan':
        cornerstone.setViewport(this.element, {
          ...vp,
          translation: { x: vp.translation.x + dx / vp.scale, y: vp.translation.y + dy / vp.scale },
        });
        break;
      case 'length':
        if (this.#draft?.kind === 'length') this.#draft = { ...this.#draft, b: this.#pixelAt(e) };
        this.#drawOverlay();
        break;
      case 'roi':
        if (this.#draft?.kind === 'roi') this.#draft = { ...this.#draft, end: this.#pixelAt(e) };
        this.#drawOverlay();
        break;
    }
  };

  #onPointerUp = (e: PointerEvent): void => {
    if (!this.#pointers.delete(e.pointerId)) return;
    if (this.#pinch) {
      if (this.#pointers.size < 2) this.#pinch = undefined;
      this.#emit();
      return;
    }
    this.#drag = undefined;
    const draft = this.#draft;
    this.#draft = undefined;
    if (draft && e.type === 'pointerup') {
      const size =
        draft.kind === 'length'
          ? Math.hypot(draft.b.x - draft.a.x, draft.b.y - draft.a.y)
          : Math.min(Math.abs(draft.end.x - draft.start.x), Math.abs(draft.end.y - draft.start.y));
      // A tap is not a measurement.
      if (size >= 2) {
        const key = this.#key();
        this.#measurements.set(key, [...(this.#measurements.get(key) ?? []), { ...draft, id: this.#nextId++ }]);
      }
    }
    this.#drawOverlay();
    this.#emit();
  };

  #onWheel = (e: WheelEvent): void => {
    if (!this.#displayed) return;
    e.preventDefault();
    // Lines or pages (deltaMode 1, 2) are whole notches; pixels (touchpads) add up to one.
    const delta = e.deltaMode === 0 ? e.deltaY : Math.sign(e.deltaY) * WHEEL_STEP;
    if (e.ctrlKey || e.metaKey) {
      this.zoomBy(Math.exp(-delta / 400));
      return;
    }
    this.#wheelAcc += delta;
    const steps = Math.trunc(this.#wheelAcc / WHEEL_STEP);
    if (steps !== 0) {
      this.#wheelAcc -= steps * WHEEL_STEP;
      this.step(steps);
    }
  };
}

function clampIndex(index: number, count: number): number {
  if (count <= 0) return 0;
  return Math.min(count - 1, Math.max(0, Math.round(index)));
}

function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/** A cornerstone image holding the slab's maximum in HU (slope 1, intercept 0), geometry of the first slice. */
function buildMip(images: readonly Image[], imageId: string): Image {
  const template = images[0]!;
  const length = template.rows * template.columns;
  const sources = images
    .filter((im) => im.rows === template.rows && im.columns === template.columns)
    .map((im) => ({ pixels: im.getPixelData() as ArrayLike<number>, slope: im.slope, intercept: im.intercept }));
  const pixels = maxIntensityHu(sources, length);
  const { min, max } = minMax(pixels);
  const image: Partial<Image> = {
    imageId,
    minPixelValue: min,
    maxPixelValue: max,
    slope: 1,
    intercept: 0,
    windowCenter: template.windowCenter,
    windowWidth: template.windowWidth,
    getPixelData: () => pixels as unknown as number[],
    rows: template.rows,
    columns: template.columns,
    height: template.rows,
    width: template.columns,
    color: false,
    columnPixelSpacing: template.columnPixelSpacing,
    rowPixelSpacing: template.rowPixelSpacing,
    invert: false,
    sizeInBytes: pixels.byteLength,
  };
  return image as Image;
}
