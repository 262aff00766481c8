// Every process the harness starts is registered here and stopped on exit, Ctrl-C, SIGTERM or a crash.

const live = new Map<number, string>();
const hooks: Array<() => Promise<void> | void> = [];
let installed = false;

export function track(pid: number, what: string): void {
  live.set(pid, what);
}

export function untrack(pid: number): void {
  live.delete(pid);
}

/** An extra teardown step (e.g. `docker compose stop`), run once on the way out. */
export function onCleanup(fn: () => Promise<void> | void): void {
  hooks.push(fn);
}

export function killAll(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export async function cleanupAll(): Promise<void> {
  killAll('SIGTERM');
  for (const fn of hooks.splice(0).reverse()) {
    try {
      await fn();
    } catch (e) {
      console.error(`cleanup: ${(e as Error).message}`);
    }
  }
  if (live.size > 0) {
    await new Promise((r) => setTimeout(r, 1500));
    killAll('SIGKILL');
  }
}

export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  const bail = (why: string, code: number) => {
    console.error(`\nbench: ${why}, stopping what it started…`);
    void cleanupAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => bail('interrupted', 130));
  process.once('SIGTERM', () => bail('terminated', 143));
  process.once('uncaughtException', (e) => {
    console.error(e);
    bail('crashed', 1);
  });
  process.once('unhandledRejection', (e) => {
    console.error(e);
    bail('crashed', 1);
  });
  // Last resort on a plain exit: synchronous kill of whatever is still registered.
  process.once('exit', () => killAll('SIGKILL'));
}
