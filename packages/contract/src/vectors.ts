// Types and loader of the shared test vectors (vectors/vectors.json), read by every test suite.

import { readFileSync } from 'node:fs';
import type { ErrorCode } from './errors.js';
import { DISPOSITION_VECTORS_FILE, VECTORS_FILE } from './paths.js';

export interface VectorRequest {
  method: string;
  path: string;
  /** multipart: the fixture as `parts` file parts named `partName`; raw: the fixture as the body; none: no body. */
  body: 'multipart' | 'raw' | 'none';
  query: string;
  /** Content-Type of a raw body (null: none sent). */
  contentType: string | null;
  partName: string;
  parts: number;
}

export interface VectorExpect {
  status: number;
  contentType: string;
  code?: ErrorCode;
  detailContains?: string;
  headers?: Record<string, string>;
  width?: number;
  height?: number;
  channels?: number;
}

export interface Vector {
  name: string;
  fixture: string | null;
  request: VectorRequest;
  /** Env-style settings the server under test must run with (e.g. MAX_UPLOAD_BYTES). */
  config: Record<string, string>;
  expect: VectorExpect;
}

export interface VectorFile {
  version: 1;
  description: string;
  vectors: Vector[];
}

export function loadVectors(file: string = VECTORS_FILE): Vector[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as VectorFile;
  if (parsed.version !== 1) throw new Error(`unsupported vectors version ${String(parsed.version)}`);
  return parsed.vectors;
}

/** One Content-Disposition case: a form field's name (null: none), another disposition, or malformed. */
export interface DispositionVector {
  header: string;
  expect: { name: string | null } | 'other' | 'malformed';
}

export function loadDispositionVectors(file: string = DISPOSITION_VECTORS_FILE): DispositionVector[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version: number; cases: DispositionVector[] };
  if (parsed.version !== 1)
    throw new Error(`unsupported content-disposition vectors version ${String(parsed.version)}`);
  return parsed.cases;
}
