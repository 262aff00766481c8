// The go-vips image must carry the very libvips go-vips is built and tested with in the repository: the npm
// packages go-service/package.json pins (@img/sharp-libvips-linux-x64 and -dev, sharp's build), byte for byte as
// pnpm-lock.yaml records them, and the shared library the cgo directives link.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { DockerfileInput } from './checks.js';

export interface LibvipsPins {
  /** go-service/package.json: each @img/sharp-libvips-* devDependency and its exact version. */
  packages: Record<string, string>;
  /** pnpm-lock.yaml: `name@version` → integrity. */
  integrity: Map<string, string>;
  /** The library file the cgo directives link (internal/pipeline/vips.go), e.g. libvips-cpp.so.8.18.7. */
  linked: string;
}

const LIBVIPS_PACKAGE = /^@img\/sharp-libvips-/;

export function readLibvipsPins(root: string): LibvipsPins {
  const pkg = JSON.parse(readFileSync(join(root, 'go-service/package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  const packages = Object.fromEntries(
    Object.entries(pkg.devDependencies ?? {}).filter(([name]) => LIBVIPS_PACKAGE.test(name)),
  );
  // pnpm 12 writes more than one YAML document to the lockfile; the packages are in the project's.
  const integrity = new Map<string, string>();
  for (const doc of parseAllDocuments(readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8'))) {
    const lock = doc.toJS() as { packages?: Record<string, { resolution?: { integrity?: string } }> } | null;
    for (const [key, entry] of Object.entries(lock?.packages ?? {})) {
      if (entry.resolution?.integrity) integrity.set(key, entry.resolution.integrity);
    }
  }
  const cgo = readFileSync(join(root, 'go-service/internal/pipeline/vips.go'), 'utf8');
  const linked = /-l:(libvips-cpp\.so\.[0-9.]+)/.exec(cgo)?.[1] ?? '';
  return { packages, integrity, linked };
}

/** Every pinned package fetched at its version and lockfile integrity, the linked library shipped and checked. */
export function checkLibvipsImage(input: DockerfileInput, pins: LibvipsPins): string[] {
  const problems: string[] = [];
  const fetched = new Map<string, { version: string; integrity: string }>();
  for (const m of input.text.matchAll(
    /(@img\/sharp-libvips-[a-z0-9-]+)@([0-9][^\s"]*)\s+(sha512-[A-Za-z0-9+/=]+)/g,
  )) {
    fetched.set(m[1] as string, { version: m[2] as string, integrity: m[3] as string });
  }
  if (Object.keys(pins.packages).length === 0)
    problems.push('go-service/package.json pins no @img/sharp-libvips-*');
  for (const [name, version] of Object.entries(pins.packages)) {
    const got = fetched.get(name);
    if (got === undefined) {
      problems.push(`${input.name}: does not fetch ${name}@${version} with its integrity`);
      continue;
    }
    if (got.version !== version)
      problems.push(`${input.name}: fetches ${name}@${got.version}, the repo pins ${version}`);
    const want = pins.integrity.get(`${name}@${version}`);
    if (got.integrity !== want) {
      problems.push(
        `${input.name}: ${name}@${version} integrity ${got.integrity} is not pnpm-lock.yaml's ${want}`,
      );
    }
  }
  for (const name of fetched.keys()) {
    if (!(name in pins.packages))
      problems.push(`${input.name}: fetches ${name}, which the repo does not pin`);
  }
  const version = /\.so\.([0-9.]+)$/.exec(pins.linked)?.[1];
  if (pins.linked === '' || version === undefined)
    problems.push('vips.go names no -l:libvips-cpp.so.<version>');
  else {
    if (!input.text.includes(`lib/${pins.linked}`))
      problems.push(`${input.name}: does not ship lib/${pins.linked}`);
    if (!input.text.includes(`'${version}'`))
      problems.push(`${input.name}: does not check libvips ${version}`);
  }
  return problems;
}
