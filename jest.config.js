/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  // The default reporter for people, plus one plain `N passed, N failed, N skipped` line on
  // stdout for CI (see test/support/plain-summary-reporter.js).
  reporters: ['default', '<rootDir>/test/support/plain-summary-reporter.js'],
};
