// The one place where sharp/libvips failures become contract error codes.

import { ContractError } from '@rtip/contract';

/** Where a failure happened: decoding untrusted bytes, or work on pixels we produced ourselves. */
export type FailureStage = 'header' | 'decode' | 'encode';

/**
 * Maps a failure of a pipeline stage to a ContractError. Contract errors and aborts pass through.
 * Anything libvips says while reading the untrusted input (header or pixel decode) is the input's fault:
 * 422 UNDECODABLE_IMAGE; the pixel-limit guard is 422 IMAGE_TOO_LARGE; a failure while encoding pixels we
 * produced is ours: 500 INTERNAL (the cause is kept for the log, never sent).
 */
export function toContractError(err: unknown, stage: FailureStage): unknown {
  if (err instanceof ContractError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) {
    return new ContractError('IMAGE_TOO_LARGE', 'The image has more pixels than this server accepts.', {
      cause: err,
    });
  }
  if (/input buffer is empty/i.test(message)) {
    return new ContractError('MISSING_IMAGE', 'The image is empty.', { cause: err });
  }
  if (/unsupported image format/i.test(message)) {
    return new ContractError('UNSUPPORTED_MEDIA_TYPE', 'The image format is not supported.', { cause: err });
  }
  if (stage === 'header' || stage === 'decode') {
    return new ContractError('UNDECODABLE_IMAGE', 'The image is corrupt or truncated.', { cause: err });
  }
  return new ContractError('INTERNAL', 'encoding failed', { cause: err });
}
