// The Hono environment of the app: per-request variables set by the middleware and handlers.

import type { ErrorCode, ShedReason } from '@rtip/contract';

export interface AppEnv {
  Variables: {
    requestId: string;
    /** The contract code of an error answer, for the access log and metrics. */
    errorCode: ErrorCode | undefined;
    /** Why an OVERLOADED answer refused the request, for image_shed_total. */
    shedReason: ShedReason | undefined;
    /** Request body bytes actually read. */
    bytesIn: number | undefined;
  };
}
