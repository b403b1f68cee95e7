import type { Image } from 'cornerstone-core';
import cornerstoneWADOImageLoader from 'cornerstone-wado-image-loader';
import dicomParser from 'dicom-parser';
import { http } from '../api/http';
import { cornerstone, initCornerstone } from './cornerstone';
import { num, sliceInfo, str, studyHeader, type DicomJsonDataset, type SliceInfo, type StudyHeader } from './dicomJson';
import { outwardOrder, sortSlices, type SortedStack } from './geometry';
import { boundaryOf, MultipartReader } from './multipart';

export interface SeriesSummary {
  uid: string;
  number: number | undefined;
  modality: string | undefined;
  description: string | undefined;
}

/** A slice plus where its pixels come from. */
export interface StackSlice extends SliceInfo {
  /** WADO-RS frame: what a single slice is fetched with. */
  imageId: string;
  /** WADO-URI of the Part 10 file: the image id of the slices that arrive with the whole series. */
  part10ImageId: string;
  /** Rendered thumbnail of this instance, from the server. */
  renderedUrl: string;
}

type Listener = () => void;

/**
 * One series as a sorted stack of slices whose images load through cornerstone's cache and the WADO image loader.
 * The slice on screen is fetched alone (a WADO-RS frame), at once; the whole series comes meanwhile as one streamed
 * WADO-RS retrieve whose instances are decoded as they arrive. On loopback that one request carries a 300-slice CT
 * several times faster than 300 frame requests, which each pay a lookup and an audit entry on the server. Should
 * the retrieve fail, the remaining slices are fetched frame by frame, nearest to the one on screen first.
 */
export class SeriesStack {
  readonly summary: SeriesSummary;
  readonly stack: SortedStack<StackSlice>;
  readonly #seriesUrl: string;
  readonly #indexBySop = new Map<string, number>();
  readonly #abort = new AbortController();
  readonly #images: Array<Image | undefined>;
  readonly #pending = new Map<number, Promise<Image>>();
  readonly #listeners = new Set<Listener>();
  #loaded = 0;
  #failed = 0;
  #prefetching = false;
  allLoadedAt: number | undefined;

  constructor(summary: SeriesSummary, slices: StackSlice[], seriesUrl: string) {
    this.summary = summary;
    this.stack = sortSlices(slices);
    this.#seriesUrl = seriesUrl;
    this.stack.slices.forEach((s, i) => this.#indexBySop.set(s.sopInstanceUid, i));
    this.#images = new Array(this.stack.slices.length).fill(undefined);
  }

  /** Stops the retrieve in flight. */
  dispose(): void {
    this.#abort.abort();
    this.#listeners.clear();
  }

  get uid(): string {
    return this.summary.uid;
  }
  get count(): number {
    return this.stack.slices.length;
  }
  get loaded(): number {
    return this.#loaded;
  }
  get failed(): number {
    return this.#failed;
  }
  get complete(): boolean {
    return this.#loaded + this.#failed >= this.count;
  }

  /** Whichever slice is in the middle of the stack: a thumbnail and a start point that show the brain. */
  get middle(): number {
    return Math.floor((this.count - 1) / 2);
  }

  image(index: number): Image | undefined {
    return this.#images[index];
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The image of slice `index`; `urgent` puts it ahead of the prefetch queue (it is the one on screen). */
  load(index: number, urgent = false): Promise<Image> {
    const have = this.#images[index];
    if (have) return Promise.resolve(have);
    const pending = this.#pending.get(index);
    if (pending) return pending;
    const slice = this.stack.slices[index];
    if (!slice) return Promise.reject(new Error(`no slice ${index}`));
    return this.#track(
      index,
      // The decoding workers run higher priorities first: the slice on screen overtakes the series being decoded.
      cornerstone.loadAndCacheImage(slice.imageId, { priority: urgent ? 5 : 0, requestType: urgent ? 'interaction' : 'prefetch' } as never),
    );
  }

  #track(index: number, loading: Promise<Image>): Promise<Image> {
    const promise = loading.then(
        (image) => {
          this.#images[index] = image;
          this.#pending.delete(index);
          this.#loaded++;
          this.#settled();
          return image;
        },
        (err: unknown) => {
          this.#pending.delete(index);
          this.#failed++;
          this.#settled();
          throw err;
        },
      );
    this.#pending.set(index, promise);
    return promise;
  }

  /** Starts loading every slice: the whole series in one retrieve, else slice by slice from `from` outwards. */
  prefetch(from: number): void {
    if (this.#prefetching) return;
    this.#prefetching = true;
    this.#retrieveSeries().catch(() => {
      if (this.#abort.signal.aborted) return;
      for (const i of outwardOrder(this.count, from)) this.load(i).catch(() => undefined);
    });
  }

  async #retrieveSeries(): Promise<void> {
    const res = await fetch(this.#seriesUrl, {
      headers: { Accept: 'multipart/related; type="application/dicom"' },
      credentials: 'same-origin',
      signal: this.#abort.signal,
    });
    const boundary = boundaryOf(res.headers.get('content-type'));
    if (!res.ok || !res.body || !boundary) throw new Error(`series retrieve answered ${res.status}`);
    const multipart = new MultipartReader(boundary);
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const part of multipart.push(value)) this.#decodePart10(part);
    }
    if (!multipart.done) throw new Error('series retrieve cut short');
  }

  /** Hands one received Part 10 file to the loader, unless its slice is already loaded or on its way. */
  #decodePart10(bytes: Uint8Array): void {
    let sop: string | undefined;
    try {
      sop = dicomParser.parseDicom(bytes, { untilTag: 'x00080018' }).string('x00080018');
    } catch {
      return;
    }
    const index = sop === undefined ? undefined : this.#indexBySop.get(sop);
    if (index === undefined || this.#images[index] || this.#pending.has(index)) return;
    const slice = this.stack.slices[index]!;
    const buffer = bytes.buffer;
    const loading = cornerstone
      .loadAndCacheImage(slice.part10ImageId, { loader: () => Promise.resolve(buffer) } as never)
      .then((image) => {
        // The pixels are decoded: the loader's copy of the whole file is no longer needed.
        cornerstoneWADOImageLoader.wadouri.dataSetCacheManager.unload(slice.part10ImageId.slice('wadouri:'.length));
        delete (image as { data?: unknown }).data;
        return image;
      });
    this.#track(index, loading).catch(() => undefined);
  }

  #settled(): void {
    if (this.complete && this.allLoadedAt === undefined) this.allLoadedAt = performance.now();
    for (const l of this.#listeners) l();
  }
}

export interface LoadedStudy {
  studyInstanceUid: string;
  header: StudyHeader;
  series: SeriesStack[];
}

const base = () => `${window.location.origin}/dicom-web`;

/**
 * Fetches the study's series (QIDO-RS) and each series' metadata (WADO-RS), registers every instance's metadata
 * with the loader's WADO-RS metadata manager, and returns the stacks, CT before others and then by series number.
 * Pixels are not fetched here.
 */
export async function loadStudy(studyUid: string, signal: AbortSignal): Promise<LoadedStudy> {
  initCornerstone();
  const root = `${base()}/studies/${encodeURIComponent(studyUid)}`;
  const seriesList = (await http.get<DicomJsonDataset[] | undefined>(`${root}/series`, { signal })) ?? [];
  const summaries: SeriesSummary[] = seriesList
    .map((ds) => ({
      uid: str(ds, '0020000E') ?? '',
      number: num(ds, '00200011'),
      modality: str(ds, '00080060'),
      description: str(ds, '0008103E'),
    }))
    .filter((s) => s.uid);
  let header: StudyHeader | undefined;
  const stacks = await Promise.all(
    summaries.map(async (summary) => {
      const seriesRoot = `${root}/series/${encodeURIComponent(summary.uid)}`;
      const metadata = (await http.get<DicomJsonDataset[] | undefined>(`${seriesRoot}/metadata`, { signal })) ?? [];
      const slices: StackSlice[] = [];
      for (const ds of metadata) {
        const info = sliceInfo(ds);
        if (!info) continue;
        header ??= studyHeader(ds);
        const instanceRoot = `${seriesRoot}/instances/${encodeURIComponent(info.sopInstanceUid)}`;
        const imageId = `wadors:${instanceRoot}/frames/1`;
        cornerstoneWADOImageLoader.wadors.metaDataManager.add(imageId, ds);
        const wado = new URLSearchParams({
          requestType: 'WADO',
          studyUID: studyUid,
          seriesUID: summary.uid,
          objectUID: info.sopInstanceUid,
          contentType: 'application/dicom',
        });
        slices.push({
          ...info,
          imageId,
          part10ImageId: `wadouri:${base()}/wado?${wado}`,
          renderedUrl: `${instanceRoot}/rendered?viewport=160,160`,
        });
      }
      return new SeriesStack(summary, slices, seriesRoot);
    }),
  );
  const series = stacks.filter((s) => s.count > 0);
  series.sort(
    (a, b) =>
      Number(b.summary.modality === 'CT') - Number(a.summary.modality === 'CT') ||
      (a.summary.number ?? Infinity) - (b.summary.number ?? Infinity),
  );
  return { studyInstanceUid: studyUid, header: header ?? studyHeader({}), series };
}

/** Stops the retrieves and empties cornerstone's cache: the next study starts clean and no pixels linger. */
export function disposeStudy(study: LoadedStudy): void {
  for (const s of study.series) s.dispose();
  cornerstone.imageCache.purgeCache();
  cornerstoneWADOImageLoader.wadouri.dataSetCacheManager.purge();
}

/** A series looks like an angiogram: MIP is offered first there. */
export function isAngio(summary: SeriesSummary): boolean {
  return /angio|\bcta\b|art[ée]r/i.test(summary.description ?? '');
}
