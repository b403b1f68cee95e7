import { loadConfig } from './config';
import { createLogger } from './logger';
import { formatDemoCredentials } from './seed/demo.seed';
import { Server } from './Server';

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error((err as Error).message);
  process.exit(2);
}
const log = createLogger(config.LOG_LEVEL);
const server = await Server.create(config, log);
if (server.demoCredentials) process.stdout.write(formatDemoCredentials(server.demoCredentials) + '\n');
log.info({ url: server.url, database: server.db.kind }, 'server listening');
// The first scan after a restart must not wait for the ingest threads to start.
server.imaging.warmUp();

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
