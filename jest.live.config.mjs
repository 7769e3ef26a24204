/**
 * npm run test:live: the suite for a running host (test/live/*.live.ts). Its files do not end in .test.ts, so
 * npm test never picks them up.
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/live'],
  testMatch: ['**/*.live.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  globalSetup: '<rootDir>/test/live/globalSetup.ts',
  testTimeout: 300_000,
};
