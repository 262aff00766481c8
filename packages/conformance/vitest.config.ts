import { defineConfig } from 'vitest/config';

/**
 * Files whose tests start services of their own (other settings, restarts, shutdown). They need a built
 * implementation, so against running services named by CONFORMANCE_TARGETS they are left out, and said so.
 */
const SELF_STARTING = ['test/lifecycle.test.ts', 'test/early-answer.test.ts', 'test/edge.test.ts'];
const external = Boolean(process.env.CONFORMANCE_TARGETS);
if (external) {
  console.log(
    `CONFORMANCE_TARGETS is set: not running ${SELF_STARTING.join(', ')} (they start services of their own)`,
  );
}

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'] } },
      {
        test: {
          name: 'services',
          include: ['test/**/*.test.ts'],
          exclude: external ? SELF_STARTING : [],
          globalSetup: ['test/global-setup.ts'],
          // The services under test share the machine's cores: one file at a time keeps timings meaningful.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
