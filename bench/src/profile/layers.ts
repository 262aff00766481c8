// The one table that maps source files to layers, for the lines-of-code profile. Patterns are globs relative to
// the repository root, tried in order: the first match wins, so tests come first and the codec before the
// pipeline folder it lives in. Old and new folder names are both listed so the table survives the renames
// (go-service/internal/services → pipeline; apps/ts-service/src/{http,routes} → handlers).

export const LAYERS = [
  'HTTP edge',
  'options/contract',
  'pipeline',
  'codec',
  'observability',
  'tests',
  'other',
] as const;
export type Layer = (typeof LAYERS)[number];

export const LAYER_TABLE: ReadonlyArray<readonly [pattern: string, layer: Layer]> = [
  // tests: unit tests, test helpers, fuzz and benchmark files
  ['**/*_test.go', 'tests'],
  ['**/*.test.ts', 'tests'],
  ['apps/ts-service/src/test/**', 'tests'],
  // codec: the pure-Go JPEG decoder (ts and go-vips have their codec in libvips: see native libraries)
  ['go-service/internal/pipeline/jpegdec/**', 'codec'],
  ['go-service/internal/services/jpegdec/**', 'codec'],
  // options/contract: parsing and checking the request's options, contract tables, config, OpenAPI
  ['go-service/internal/handlers/options.go', 'options/contract'],
  ['go-service/internal/contract/**', 'options/contract'],
  ['go-service/internal/config/**', 'options/contract'],
  ['go-service/internal/openapi/**', 'options/contract'],
  ['apps/ts-service/src/**/env.ts', 'options/contract'],
  ['apps/ts-service/src/**/options.ts', 'options/contract'],
  // observability: metrics, request ids, runtime info
  ['go-service/internal/metrics/**', 'observability'],
  ['apps/ts-service/src/metrics.ts', 'observability'],
  ['apps/ts-service/src/runtime-info.ts', 'observability'],
  ['apps/ts-service/src/**/request-id.ts', 'observability'],
  // pipeline: decode → orient → grey → resize → encode around the codec
  ['go-service/internal/pipeline/**', 'pipeline'],
  ['go-service/internal/services/**', 'pipeline'],
  ['go-service/internal/exif/**', 'pipeline'],
  ['apps/ts-service/src/pipeline/**', 'pipeline'],
  // HTTP edge: server, routing, body and multipart reading, admission, problem answers, start-up
  ['go-service/internal/handlers/**', 'HTTP edge'],
  ['go-service/internal/admission/**', 'HTTP edge'],
  ['go-service/cmd/**', 'HTTP edge'],
  ['apps/ts-service/src/handlers/**', 'HTTP edge'],
  ['apps/ts-service/src/admission/**', 'HTTP edge'],
  ['apps/ts-service/src/http/**', 'HTTP edge'],
  ['apps/ts-service/src/routes/**', 'HTTP edge'],
  ['apps/ts-service/src/*', 'HTTP edge'],
];

/**
 * The TypeScript targets are one app on three servers (apps/ts-service/RUNTIMES.md). These are the files only one
 * runtime's target runs: its server and its entry. Each TS target's code is the app's tree without the other
 * runtimes' files, and the profile names its own. The layers above still apply (all of these are HTTP edge).
 * Node's edge, early-answer and linger modules are not here: the app and the shared server code use parts of them.
 */
export const RUNTIME_FILES: Readonly<Record<string, readonly string[]>> = {
  ts: ['apps/ts-service/src/main.cts', 'apps/ts-service/src/handlers/serve.ts'],
  'ts-bun': [
    'apps/ts-service/src/main-bun.ts',
    'apps/ts-service/src/handlers/server.ts',
    'apps/ts-service/src/handlers/server-bun.ts',
  ],
  'ts-deno': [
    'apps/ts-service/src/main-deno.ts',
    'apps/ts-service/src/handlers/server.ts',
    'apps/ts-service/src/handlers/server-deno.ts',
  ],
};

/** Files of the other runtimes' servers and entries, which `runtime`'s target does not run. */
export function otherRuntimeFiles(runtime: string): Set<string> {
  const own = new Set(RUNTIME_FILES[runtime] ?? []);
  return new Set(
    Object.entries(RUNTIME_FILES)
      .filter(([r]) => r !== runtime)
      .flatMap(([, files]) => files)
      .filter((f) => !own.has(f)),
  );
}

/** A glob as a regular expression: `**` any folders (or none), `*` within one path segment, `?` one character. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      // "**/" matches zero or more folders; a trailing "**" matches the rest of the path.
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const COMPILED = LAYER_TABLE.map(([p, layer]) => [globRegExp(p), layer] as const);

/** The layer of a file (path relative to the repository root, with forward slashes). */
export function layerOf(file: string, table = COMPILED): Layer {
  return table.find(([re]) => re.test(file))?.[1] ?? 'other';
}

export const compileTable = (t: ReadonlyArray<readonly [string, Layer]>) =>
  t.map(([p, layer]) => [globRegExp(p), layer] as const);
