// Debian packages the test suite needs, installed on demand so that `npm test` works on a fresh machine.
import { execFileSync, spawnSync } from 'node:child_process';

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/**
 * Installs the missing packages when running as root; otherwise, or when apt fails, throws an error that
 * names exactly what is missing. It never skips: a test that needs a package must get it or fail.
 */
export function ensureDebianPackages(packages, log = console.log) {
  const missing = packages.filter((p) => !installed(p));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch (err) {
    throw new Error(`could not install Debian packages ${missing.join(' ')}: ${err.message}`);
  }
  const still = missing.filter((p) => !installed(p));
  if (still.length) throw new Error(`Debian packages still missing after apt-get install: ${still.join(' ')}`);
}
