// The one writer of RFC 9457 problem+json answers, and the headers some codes carry.

import {
  buildProblem,
  type ContractError,
  PROBLEM_CONTENT_TYPE,
  REQUEST_ID_HEADER,
  RETRY_AFTER_SECONDS,
} from '@rtip/contract';
import type { Context } from 'hono';
import { Overloaded } from '../admission/admission.js';
import type { AppEnv } from './env.js';

/** Answers `err` as problem+json; extra headers (e.g. Allow) are added as given. */
export function problemResponse(
  c: Context<AppEnv>,
  err: ContractError,
  extra: Record<string, string> = {},
): Response {
  const requestId = c.get('requestId');
  c.set('errorCode', err.code);
  if (err instanceof Overloaded) c.set('shedReason', err.reason);
  const body = Buffer.from(JSON.stringify(buildProblem(err.code, err.detail, requestId)));
  const headers: Record<string, string> = {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(body.byteLength),
    [REQUEST_ID_HEADER]: requestId,
    ...extra,
  };
  if (err.code === 'OVERLOADED') headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
  // A body over the limit ends the connection, even one that ended within the read that crossed the limit. Any
  // answer before the body was read to its end is sent by the server's edge (handlers/early-answer.ts).
  if (err.code === 'PAYLOAD_TOO_LARGE') headers.Connection = 'close';
  return c.body(body, err.status as 400, headers);
}
