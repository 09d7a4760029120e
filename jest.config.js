/** @type {import('jest').Config} */
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] };

module.exports = {
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // Global: a per-project testTimeout did not take effect. Interop test files call jest.setTimeout.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'main',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/interop/', '<rootDir>/test/e2e/'],
      transform,
    },
    {
      // Real BGP daemons in network namespaces (root only); see docs/interop.md.
      displayName: 'interop',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/interop'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/interop/global-setup.ts',
      globalTeardown: '<rootDir>/test/interop/global-teardown.ts',
    },
    {
      // Whole topologies of hdvpnd nodes moving real packets in network namespaces (root only).
      displayName: 'e2e',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      transform,
      globalSetup: '<rootDir>/test/interop/global-setup.ts',
      globalTeardown: '<rootDir>/test/interop/global-teardown.ts',
    },
  ],
};
