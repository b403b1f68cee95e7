import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO, TEST_DEMO_PASSWORD, startTestServer, type TestServer } from '@telestroke/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, launch, waitFor200, type Launched } from './process';
import { UdpRelay } from './UdpRelay';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Shared by the server (which signs join tokens) and the SFU (which checks them). */
const SFU_SECRET = 'consult-e2e-secret-of-sufficient-length';

/** The whole platform for a video consult: the server (API, client, /ws) and a real SFU process. */
export interface ConsultPlatform {
  server: TestServer;
  sfu: Launched;
  /** The SFU's HTTP base URL (healthz, stats). */
  sfuHttp: string;
  /** Every browser's media goes through it: `cutNetwork()` uses it. */
  relay: UdpRelay;
  close(): Promise<void>;
}

/** The SFU's media listens here; browsers are told to send to RELAY_IP, where the relay forwards it. */
const MEDIA_IP = '127.0.0.1';
const RELAY_IP = '127.0.0.2';

/**
 * Starts the SFU as `npm start` does (its own process, `tsx sfu/src/main.ts`) on free ports, and the server in this
 * process with the same token secret, pointing browsers at that SFU. Browser media goes through a UDP relay on
 * another loopback address (the SFU announces it), so that a test can cut one browser's network. Needs
 * MEDIASOUP_WORKER_BIN and TEST_DATABASE_URL, which `npm test` sets.
 */
export async function startConsultPlatform(options: { rtcMinPort: number; rtcMaxPort: number }): Promise<ConsultPlatform> {
  const workerBin = process.env.MEDIASOUP_WORKER_BIN;
  if (!workerBin) throw new Error('MEDIASOUP_WORKER_BIN is unset: run with `npm test`');
  const sfuPort = await freePort();
  const sfu = launch(path.join(root, 'node_modules/.bin/tsx'), ['sfu/src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      SFU_PORT: String(sfuPort),
      SFU_HOST: '127.0.0.1',
      SFU_TOKEN_SECRET: SFU_SECRET,
      MEDIASOUP_WORKER_BIN: workerBin,
      SFU_NUM_WORKERS: '1',
      RTC_MIN_PORT: String(options.rtcMinPort),
      RTC_MAX_PORT: String(options.rtcMaxPort),
      SFU_LISTEN_IP: MEDIA_IP,
      SFU_ANNOUNCED_IP: RELAY_IP,
      LOG_LEVEL: process.env.SFU_LOG_LEVEL ?? 'warn',
    },
  });
  const sfuHttp = `http://127.0.0.1:${sfuPort}`;
  let server: TestServer | undefined;
  let relay: UdpRelay | undefined;
  try {
    relay = await UdpRelay.create({
      listenIp: RELAY_IP,
      targetIp: MEDIA_IP,
      minPort: options.rtcMinPort,
      maxPort: options.rtcMaxPort,
    });
    await waitFor200(`${sfuHttp}/healthz`, 60_000);
    server = await startTestServer({
      SFU_TOKEN_SECRET: SFU_SECRET,
      SFU_PUBLIC_URL: `ws://127.0.0.1:${sfuPort}/ws`,
      // Deadline passes every half second, so that an escalation shows without a wait.
      WORKLIST_CHECK_SECONDS: '0.5',
    });
  } catch (err) {
    await relay?.close();
    await sfu.stop();
    throw new Error(`${(err as Error).message}\n--- SFU output ---\n${sfu.output()}`);
  }
  const started = server;
  const media = relay;
  return {
    server: started,
    sfu,
    sfuHttp,
    relay: media,
    close: async () => {
      await started.close();
      await sfu.stop();
      await media.close();
    },
  };
}

/**
 * Records every RTCPeerConnection the page creates, so a test can read the browser's own getStats() without any
 * hook in the application. Runs before the page's scripts.
 */
const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
  };
})();`;

export interface Clinician {
  context: BrowserContext;
  page: Page;
}

/** A browser context signed in through the login screen as a demo user, on a tablet-sized screen. */
export async function signIn(
  browser: Browser,
  baseUrl: string,
  email: string,
  viewport = { width: 1180, height: 820 },
): Promise<Clinician> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR', permissions: ['camera', 'microphone'] });
  await context.addInitScript(RECORD_PEER_CONNECTIONS);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(TEST_DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user-name').waitFor();
  return { context, page };
}

/** Frames of remote video the page has decoded, summed over every receiving stream of every peer connection. */
export async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    type Stat = { type: string; kind?: string; mid?: string; framesDecoded?: number };
    type Pc = { connectionState: string; getStats(): Promise<{ forEach(f: (s: Stat) => void): void }> };
    const pcs = (globalThis as unknown as { __pcs?: Pc[] }).__pcs ?? [];
    let total = 0;
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        // mediasoup-client's "probator" stream only carries the SFU's bandwidth probes.
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.mid !== 'probator') total += s.framesDecoded ?? 0;
      });
    }
    return total;
  });
}

/** The SFU's UDP ports of the page's WebRTC transports, from the remote candidates in its getStats. */
export async function sfuMediaPorts(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    type Stat = { type: string; protocol?: string; port?: number };
    type Pc = { connectionState: string; getStats(): Promise<{ forEach(f: (s: Stat) => void): void }> };
    const pcs = (globalThis as unknown as { __pcs?: Pc[] }).__pcs ?? [];
    const ports = new Set<number>();
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'remote-candidate' && s.protocol === 'udp' && s.port) ports.add(s.port);
      });
    }
    return [...ports];
  });
}

/**
 * Cuts a clinician's network for `ms`: their media (through the relay) and their HTTP and WebSockets (the context
 * offline). Resolves when the network is back.
 */
export async function cutNetwork(platform: ConsultPlatform, who: Clinician, ms: number): Promise<void> {
  const ports = await sfuMediaPorts(who.page);
  if (ports.length === 0) throw new Error('the page has no WebRTC socket to cut');
  platform.relay.block(ports);
  await who.context.setOffline(true);
  await new Promise((resolve) => setTimeout(resolve, ms));
  platform.relay.unblock();
  await who.context.setOffline(false);
}

/** Fills and sends the urgent request form; resolves with the new consult's id once the waiting screen shows. */
export async function requestConsult(
  page: Page,
  patientRef: string,
  beforeSubmit?: (page: Page) => Promise<unknown>,
): Promise<string> {
  await page.goto(new URL('#/consults', page.url()).toString());
  await page.getByTestId('consult-new').click();
  await page.getByTestId('consult-field-patientRef').fill(patientRef);
  await page.getByTestId('consult-field-ageYears').fill('72');
  await page.getByTestId('consult-field-sex-F').check();
  await page.getByTestId('consult-field-weightKg').fill('64');
  const lkw = new Date(Date.now() - 75 * 60_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  await page
    .getByTestId('consult-field-lastKnownWell')
    .fill(
      `${lkw.getFullYear()}-${pad(lkw.getMonth() + 1)}-${pad(lkw.getDate())}T${pad(lkw.getHours())}:${pad(lkw.getMinutes())}`,
    );
  await page.getByTestId('consult-field-reason').fill('Aphasie et hémiparésie droite brutales, NIHSS 14');
  await beforeSubmit?.(page);
  await page.getByTestId('consult-submit').click();
  await page.getByTestId('consult-status').waitFor();
  const match = /#\/consults\/([0-9a-f-]{36})$/.exec(page.url());
  if (!match) throw new Error(`not on a consult page: ${page.url()}`);
  return match[1]!;
}

export { DEMO };
