import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/fixtures/profile-tree is a small source tree the line counter is tested on, not tests to run.
    exclude: ['test/fixtures/**', '**/node_modules/**'],
    // The end-to-end run and the Chromium check are slow on a 2-core machine; one file at a time keeps the
    // benchmark's own CPU pinning meaningful.
    fileParallelism: false,
    testTimeout: 30_000,
  },
});
