// The one writer of RFC 9457 problem+json answers, and the headers some codes carry.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  buildProblem,
  type ContractError,
  PROBLEM_CONTENT_TYPE,
  REQUEST_ID_HEADER,
  RETRY_AFTER_SECONDS,
} from '@rtip/contract';
import type { Context } from 'hono';
import { closeAfterAnswer } from './body.js';
import type { AppEnv } from './env.js';

/** Answers `err` as problem+json; extra headers (e.g. Allow) are added as given. */
export function problemResponse(
  c: Context<AppEnv>,
  err: ContractError,
  extra: Record<string, string> = {},
): Response {
  const requestId = c.get('requestId');
  c.set('errorCode', err.code);
  const body = Buffer.from(JSON.stringify(buildProblem(err.code, err.detail, requestId)));
  const headers: Record<string, string> = {
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(body.byteLength),
    [REQUEST_ID_HEADER]: requestId,
    ...extra,
  };
  if (err.code === 'OVERLOADED') headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
  // A body we will not read (413): close the connection once the answer is out, without a reset.
  if (c.get('bodyUnread')) {
    const { incoming, outgoing } = (c.env ?? {}) as { incoming?: IncomingMessage; outgoing?: ServerResponse };
    if (incoming && outgoing) closeAfterAnswer(incoming, outgoing);
    else headers.Connection = 'close';
  }
  return c.body(body, err.status as 400, headers);
}
