// Process entry of the ts-deno target (dist/main-deno.js): the same app and service as main.cts, served by
// Deno.serve (handlers/server-deno.ts). Start it from apps/ts-service (Deno finds the packages through its
// package.json and node_modules) as
//   deno run -A dist/main-deno.js
// Serves until SIGTERM or SIGINT, exits 0 once it has drained, 1 with the reason on stderr when it cannot start.

import { serveProcess } from './handlers/server.js';
import { denoServer } from './handlers/server-deno.js';

serveProcess(denoServer);
