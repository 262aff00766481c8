// Where the package's data files are on disk, for tests and tools of the other packages.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

export const FIXTURES_DIR = fileURLToPath(new URL('fixtures/', root));
export const VECTORS_FILE = fileURLToPath(new URL('vectors/vectors.json', root));
export const DISPOSITION_VECTORS_FILE = fileURLToPath(new URL('vectors/content-disposition.json', root));
export const OPENAPI_FILE = fileURLToPath(new URL('openapi.json', root));
/** The tables as data (`contractText()`), read by go-service's generator. */
export const CONTRACT_FILE = fileURLToPath(new URL('contract.json', root));

const fixtureCache = new Map<string, Buffer>();

/** The bytes of a fixture image, read once per process. */
export function readFixture(name: string): Buffer {
  let bytes = fixtureCache.get(name);
  if (!bytes) {
    bytes = readFileSync(join(FIXTURES_DIR, name));
    fixtureCache.set(name, bytes);
  }
  return bytes;
}
