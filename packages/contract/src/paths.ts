// Where the package's data files are on disk, for tests and tools of the other packages.

import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

export const FIXTURES_DIR = fileURLToPath(new URL('fixtures/', root));
export const VECTORS_FILE = fileURLToPath(new URL('vectors/vectors.json', root));
export const OPENAPI_FILE = fileURLToPath(new URL('openapi.json', root));
