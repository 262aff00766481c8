// Boots every implementation once for the whole suite (unless CONFORMANCE_TARGETS points at running ones).

import type { TestProject } from 'vitest/node';
import { type RunningService, startService } from '../src/services.js';
import { DEFAULT_IMPLEMENTATIONS, type Target, targetsFromEnv } from '../src/targets.js';

declare module 'vitest' {
  export interface ProvidedContext {
    targets: Target[];
  }
}

export default async function setup(project: TestProject) {
  const external = targetsFromEnv(process.env.CONFORMANCE_TARGETS);
  if (external) {
    project.provide('targets', external);
    return;
  }
  const started: RunningService[] = [];
  try {
    for (const name of DEFAULT_IMPLEMENTATIONS) started.push(await startService(name));
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    throw error;
  }
  project.provide(
    'targets',
    started.map((s) => ({ name: s.name, url: s.url, implementation: s.name })),
  );
  return async () => {
    await Promise.all(started.map((s) => s.stop()));
  };
}
