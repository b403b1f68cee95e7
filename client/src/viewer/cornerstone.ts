import * as cornerstone from 'cornerstone-core';
import cornerstoneWADOImageLoader from 'cornerstone-wado-image-loader';
import dicomParser from 'dicom-parser';

let initialised = false;

/**
 * Wires cornerstone, the WADO image loader and dicom-parser together, once per page.
 *
 * Decoding runs in the loader's web workers: its default bundle carries the worker (and the codecs for the
 * compressed syntaxes a remote centre may send) inline and starts it from a Blob URL, so Vite needs no extra asset
 * and nothing is fetched from elsewhere. The workers are started now rather than on the first image, so that their
 * start-up overlaps the metadata request instead of delaying the first image.
 */
export function initCornerstone(): typeof cornerstone {
  if (initialised) return cornerstone;
  initialised = true;
  cornerstoneWADOImageLoader.external.cornerstone = cornerstone;
  cornerstoneWADOImageLoader.external.dicomParser = dicomParser;
  const cores = typeof navigator === 'undefined' ? 2 : navigator.hardwareConcurrency || 2;
  cornerstoneWADOImageLoader.webWorkerManager.initialize({
    maxWebWorkers: Math.max(1, Math.min(4, cores)),
    startWebWorkersOnDemand: false,
    taskConfiguration: { decodeTask: { initializeCodecsOnStartup: false, strict: false } },
  });
  // Two 300-slice 512² CT series are 300 MB of 16-bit pixels: room for both and a third being browsed.
  cornerstone.imageCache.setMaximumSizeBytes(1024 * 1024 * 1024);
  return cornerstone;
}

export { cornerstone };
