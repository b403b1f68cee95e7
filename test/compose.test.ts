import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// No Docker engine runs here, so the file is checked the way CI can: Debian's docker-compose `config`.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRETS = {
  POSTGRES_PASSWORD: 'placeholder',
  SFU_TOKEN_SECRET: 'placeholder-placeholder-placeholder',
  SFU_ANNOUNCED_IP: '192.0.2.10',
  TURN_SECRET: 'placeholder',
  SFU_PUBLIC_URL: 'wss://telestroke.example.org/sfu/ws',
};

function compose(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in SECRETS))) as Record<string, string>;
  return spawnSync('docker-compose', ['-f', path.join(root, 'docker-compose.yml'), ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
}

describe('docker-compose.yml', () => {
  it('docker-compose config with the secrets set validates and lists the five services', () => {
    const r = compose(['config', '--services'], SECRETS);
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['coturn', 'orthanc', 'postgres', 'server', 'sfu']);
  });

  it('docker-compose config without POSTGRES_PASSWORD fails naming it', () => {
    const { POSTGRES_PASSWORD: _omitted, ...rest } = SECRETS;
    const r = compose(['config', '-q'], rest);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('POSTGRES_PASSWORD');
  });

  it('docker-compose config gives the SFU a UDP port range and an announced IP', () => {
    const r = compose(['config'], SECRETS);
    expect(r.status).toBe(0);
    const sfu = r.stdout.slice(r.stdout.indexOf('\n  sfu:'));
    expect(sfu).toMatch(/SFU_ANNOUNCED_IP: 192\.0\.2\.10/);
    expect(sfu).toMatch(/protocol: udp|\/udp/);
  });
});
