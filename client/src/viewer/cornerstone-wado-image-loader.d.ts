// The loader ships no types: only what the viewer uses is declared.
declare module 'cornerstone-wado-image-loader' {
  interface WebWorkerConfig {
    maxWebWorkers?: number;
    startWebWorkersOnDemand?: boolean;
    taskConfiguration?: { decodeTask?: { initializeCodecsOnStartup?: boolean; strict?: boolean } };
  }
  const loader: {
    external: { cornerstone: unknown; dicomParser: unknown };
    configure(options: { beforeSend?: (xhr: XMLHttpRequest) => void; strict?: boolean }): void;
    webWorkerManager: { initialize(config: WebWorkerConfig): void };
    wadors: { metaDataManager: { add(imageId: string, metadata: unknown): void; remove(imageId: string): void } };
    wadouri: { dataSetCacheManager: { unload(uri: string): void; purge(): void } };
  };
  export default loader;
}
