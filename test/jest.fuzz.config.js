// @ts-check
// The full fuzzing run (`npm run test:fuzz`), apart from `npm test`'s projects: the e2e project's
// setup (a migrated template database) for the specs of test/fuzz.
const { resolve } = require('node:path');
const base = require('../jest.config.js');

const rootDir = resolve(__dirname, '..');

const e2e = base.projects.find((p) => p.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  rootDir,
  reporters: base.reporters,
  testTimeout: 600_000,
  projects: [
    { ...e2e, rootDir, displayName: 'fuzz', testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'] },
  ],
};
