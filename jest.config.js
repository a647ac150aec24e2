// jest.config.js — TypeScript tests under test/, compiled by ts-jest (type-checked in `npm run build:ts`).
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  testTimeout: 120000,
};
