import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests run anywhere in milliseconds; everything that speaks SSH runs against real
// OpenSSH in containers, behind a global setup that checks the engine and builds the sshd image once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'ssh',
          include: ['test/ssh/**/*.test.ts', 'test/bench/**/*.test.ts', 'test/runner/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/queue/**/*.test.ts'],
          globalSetup: ['test/bench/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});
