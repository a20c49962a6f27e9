import 'reflect-metadata';
import { type BenchOutcome, charterRead } from './charter-read';
import { compliance } from './compliance';
import { pdf } from './pdf';
import { type BenchSettings, benchSettings, cleanUpOnSignals } from './support';
import { upload } from './upload';
import { verify } from './verify';

/**
 * `npm run bench`: runs every benchmark, one after the other, and prints their figures;
 * `BENCH_ONLY=compliance,upload` runs only those.
 */

const BENCHMARKS: readonly {
  name: string;
  run: (settings: BenchSettings) => Promise<BenchOutcome>;
}[] = [
  { name: 'charter-read', run: charterRead },
  { name: 'upload', run: upload },
  { name: 'compliance', run: compliance },
  { name: 'verify', run: verify },
  { name: 'pdf', run: pdf },
];

async function main(): Promise<number> {
  cleanUpOnSignals();
  const settings = benchSettings();
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
  const selected = only ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;
  if (only && selected.length !== only.length) {
    console.error(
      `BENCH_ONLY names unknown benchmarks; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    return 1;
  }
  let failed = 0;
  for (const benchmark of selected) {
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
    console.error(`${failed} of ${selected.length} benchmark(s) failed`);
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
