import 'reflect-metadata';
import { type BenchOutcome, charterRead } from './charter-read';
import { compliance } from './compliance';
import { type BenchSettings, benchSettings, cleanUpOnSignals } from './support';
import { upload } from './upload';

/** `npm run bench`: runs every benchmark, one after the other, and prints their figures. */

const BENCHMARKS: readonly {
  name: string;
  run: (settings: BenchSettings) => Promise<BenchOutcome>;
}[] = [
  { name: 'charter-read', run: charterRead },
  { name: 'upload', run: upload },
  { name: 'compliance', run: compliance },
];

async function main(): Promise<number> {
  cleanUpOnSignals();
  const settings = benchSettings();
  let failed = 0;
  for (const benchmark of BENCHMARKS) {
    try {
      const outcome = await benchmark.run(settings);
      if (outcome.failed) {
        failed += 1;
      }
    } catch (error) {
      failed += 1;
      console.error(
        `${benchmark.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
  if (failed > 0) {
    console.error(`${failed} of ${BENCHMARKS.length} benchmark(s) failed`);
  }
  return failed > 0 ? 1 : 0;
}

// Exits explicitly: a handle left open by a failed benchmark must not keep the run alive.
main().then(
  (code) => {
    const cleanupFailed = process.exitCode !== undefined && process.exitCode !== 0;
    process.exit(cleanupFailed ? 1 : code);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
