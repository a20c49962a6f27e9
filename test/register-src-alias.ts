import Module from 'node:module';
import { join } from 'node:path';

// Jest's globalSetup runs outside the test runtime, where `moduleNameMapper` does not apply:
// resolve the `src/...` path alias the way tsconfig and the test projects do.
type Resolve = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolve };
const original = loader._resolveFilename;
const root = join(__dirname, '..');
loader._resolveFilename = (request, ...rest) =>
  original(request.startsWith('src/') ? join(root, request) : request, ...rest);
