// Process entry of the ts-bun target (dist/main-bun.js): the same app and service as main.cts, served by Bun.serve
// (handlers/server-bun.ts). Start it as
//   bun --max-http-header-size=65536 dist/main-bun.js
// (the flag lets heads from 16 to 64 KiB reach the service's own 431; RUNTIMES.md). Serves until SIGTERM or SIGINT,
// exits 0 once it has drained, 1 with the reason on stderr when it cannot start.

import { serveProcess } from './handlers/server.js';
import { bunServer } from './handlers/server-bun.js';

serveProcess(bunServer);
