/**
 * The engine tests (test/engine): the app on the real Durable Functions extension. One test file at a time, since
 * each starts its own Azurite and .NET host; generous timeouts, since real queues and timers take real time.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/engine'],
  testMatch: ['**/*.engine.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleNameMapper: {
    '^@azure/functions-core$': '<rootDir>/test/host/functionsCore.ts',
  },
  globalSetup: '<rootDir>/test/engine/globalSetup.ts',
  maxWorkers: 1,
  testTimeout: 120000,
};
