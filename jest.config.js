/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The engine tests have their own runner (jest.engine.config.js): they need the .NET SDK and real time.
  testPathIgnorePatterns: ['/node_modules/', '\\.engine\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // The harness stands in for the Node worker, which is the only provider of this module in production.
  moduleNameMapper: {
    '^@azure/functions-core$': '<rootDir>/test/host/functionsCore.ts',
  },
  setupFiles: ['<rootDir>/test/support/noTelemetryExport.ts'],
  testTimeout: 30000,
};
