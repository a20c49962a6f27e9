import { defineFuzzSuite } from '../fuzz/suite';

// The reduced run inside `npm test`: a few cases of every operation of the OpenAPI document.
// The full run is `npm run test:fuzz` (test/fuzz/).
defineFuzzSuite({ runs: 5 });
