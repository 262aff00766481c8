import { defineConfig } from 'vitest/config';

// Real-server and image tests share two cores with other work: give them room, run files one at a time.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
