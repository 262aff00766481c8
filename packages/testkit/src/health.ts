// Waiting for a service to answer GET /healthz with 200.

/**
 * Polls `${url}/healthz` every 50 ms until it answers 200; throws after `timeoutMs`, or at once when `gone()` says
 * the process has ended (its message is then `gone()`'s text).
 */
export async function waitHealthy(
  url: string,
  { timeoutMs, gone }: { timeoutMs: number; gone?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ended = gone?.();
    if (ended !== undefined) throw new Error(ended);
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}/healthz did not answer 200 within ${timeoutMs} ms`);
}
