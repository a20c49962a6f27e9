// @ts-check
/** @type {import('@swc/jest').Options} */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

// content-disposition 3 (under @fastify/static, which serves the OpenAPI UI) and jose 6 (certificate
// signing keys) ship only as ES modules, which Jest cannot load: compile them to CommonJS like our
// own code.
const esmOnly = ['content-disposition', 'jose'];

const common = {
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    '^.+\\.js$': ['@swc/jest', { ...swc, jsc: { ...swc.jsc, parser: { syntax: 'ecmascript' } } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: { '^src/(.*)$': '<rootDir>/src/$1' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
};

const reporters = ['default'];
if (process.env.JEST_REPORT_FILE) {
  reporters.push([
    '<rootDir>/test/json-summary-reporter.js',
    { file: process.env.JEST_REPORT_FILE },
  ]);
}

/** @type {import('jest').Config} */
module.exports = {
  reporters,
  // e2e specs create a database and start the application: seconds, not milliseconds
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};
