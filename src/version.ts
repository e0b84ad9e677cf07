import { readFileSync } from 'node:fs';

/** pgdrill's version: package.json's, the one place it is written. */
export const PGDRILL_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
