import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';
import { freePort, launch, waitFor200, type Launched } from './process';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `npm start` exactly as a newcomer runs it: embedded PGlite in an empty DATA_DIR, demo data seeded, the
 * credentials printed once, and a demo user logging in through the real UI in Chromium.
 */
describe('npm start on an empty DATA_DIR', () => {
  let dataDir: string;
  let platform: Launched;
  let browser: Browser;
  let port: number;
  let sfuPort: number;
  let healthyAfterMs: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'telestroke-start-'));
    port = await freePort();
    sfuPort = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), SFU_PORT: String(sfuPort) };
    for (const key of ['DATABASE_URL', 'DEMO_PASSWORD', 'DEMO_SEED', 'SFU_TOKEN_SECRET']) delete env[key];
    env.DICOM_PORT = String(await freePort());
    platform = launch('npm', ['start'], { cwd: root, env });
    healthyAfterMs = await waitFor200(`http://127.0.0.1:${port}/healthz`, 60_000).catch((err) => {
      throw new Error(`${err.message}\n--- output ---\n${platform.output()}`);
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz within 60 s', () => {
    expect(healthyAfterMs).toBeLessThan(60_000);
  });

  it('prints the demo credentials once, for one user per role, marked as demo', () => {
    const out = platform.output();
    expect(out).toMatch(/DEMO DATA/);
    const roles = [...out.matchAll(/^\s+(\w+)\s+[A-Z]+\s+\S+@demo\.invalid\s+\S+$/gm)].map((m) => m[1]);
    expect(new Set(roles)).toEqual(new Set(['ward_doctor', 'neurologist', 'radiologist', 'scheduler', 'admin']));
  });

  it('a demo neurologist logs in through the UI and sees their name and role', async () => {
    const line = /^\s+neurologist\s+DIJON\s+(\S+)\s+(\S+)$/m.exec(platform.output());
    expect(line).not.toBeNull();
    const [, email, password] = line!;
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.getByTestId('login-email').fill(email!);
    await page.getByTestId('login-password').fill('wrong-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toMatch(/\S/);
    await page.getByTestId('login-password').fill(password!);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('user-name').waitFor();
    expect(await page.getByTestId('user-name').textContent()).toContain('Dr Démo Neurologue');
    expect(await page.getByTestId('user-role').textContent()).toMatch(/neurolog/i);
    await page.close();
  });

  it('starts the SFU next to the server', async () => {
    await waitFor200(`http://127.0.0.1:${sfuPort}/healthz`, 60_000);
    const health: any = await (await fetch(`http://127.0.0.1:${sfuPort}/healthz`)).json();
    expect(health).toMatchObject({ status: 'ok' });
    expect(health.workers).toBeGreaterThan(0);
  });
});
