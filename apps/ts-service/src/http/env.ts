// The Hono environment of the app: per-request variables set by the middleware and handlers.

import type { ErrorCode } from '@rtip/contract';

export interface AppEnv {
  Variables: {
    requestId: string;
    /** The contract code of an error answer, for the access log and metrics. */
    errorCode: ErrorCode | undefined;
    /** Request body bytes actually read. */
    bytesIn: number | undefined;
  };
}
