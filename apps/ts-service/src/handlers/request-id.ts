// X-Request-Id: echo a well-formed incoming id, otherwise generate one.

import { randomUUID } from 'node:crypto';
import { REQUEST_ID_PATTERN } from '@rtip/contract';

export function requestIdFrom(incoming: string | undefined): string {
  return incoming !== undefined && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}
