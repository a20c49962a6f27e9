import { defineFuzzSuite } from './suite';

// The full run (`npm run test:fuzz`): FUZZ_RUNS cases per operation, 100 unless told.
const runs = Number(process.env.FUZZ_RUNS ?? 100);
if (!Number.isInteger(runs) || runs < 1) {
  throw new Error(`FUZZ_RUNS must be a positive integer, not ${process.env.FUZZ_RUNS}`);
}

defineFuzzSuite({ runs });
