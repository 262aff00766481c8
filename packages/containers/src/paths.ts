// Where the checked files live: the repository root is three folders above this file.

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
export const OBSERVE_DIR = fileURLToPath(new URL('../observe/', import.meta.url));
