export function freePort(): Promise<number>;
export function startPostgres(
  log?: (msg: string) => void,
  options?: { durable?: boolean },
): Promise<{ url: string; stop: () => void }>;
