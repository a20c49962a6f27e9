import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createTestApp, type TestApp } from '../app';
import { seedFuzzFixture, type FuzzFixture } from './fixture';
import { Fuzzer, type OperationOutcome } from './fuzzer';
import { incompleteResponses, loadDocument, operations, type Operation } from './openapi';
import { accessOf, accessTable, type Access } from './roles';

export interface FuzzSuiteOptions {
  /** Generated requests per operation. */
  readonly runs: number;
}

// Operations that end something for good run last, so that the others meet live records.
const isTerminal = (op: Operation) =>
  op.method === 'DELETE' || /\/(end-membership|revoke|cancel)$/.test(op.path);
const rank = (op: Operation) => (isTerminal(op) ? 2 : op.method === 'GET' ? 0 : 1);

/** The operations of the committed document, reads first, terminal ones last. */
function plannedOperations(): Operation[] {
  const only = process.env.FUZZ_ONLY?.split(',').map((s) => s.trim());
  return operations(loadDocument())
    .map((op, index) => ({ op, index }))
    .sort((a, b) => rank(a.op) - rank(b.op) || a.index - b.index)
    .map(({ op }) => op)
    .filter((op) => !only || only.includes(op.key));
}

const write = (text: string) => process.stdout.write(`${text}\n`);

/**
 * The schema-driven fuzzing suite: every operation of `openapi.json`, `runs` generated requests
 * each, against an app on its own database seeded with two organisations.
 */
export function defineFuzzSuite({ runs }: FuzzSuiteOptions): void {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31 - 1);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`FUZZ_SEED must be an integer, not ${process.env.FUZZ_SEED}`);
  }
  const path = process.env.FUZZ_PATH || undefined;
  const planned = plannedOperations();

  describe(`schema-driven fuzzing: ${runs} cases per operation, seed ${seed}`, () => {
    let t: TestApp;
    let fuzzer: Fuzzer;
    let table: Map<string, Access>;
    let fixture: FuzzFixture;
    const outcomes: OperationOutcome[] = [];
    const started = Date.now();

    beforeAll(async () => {
      write(`fuzz: seed ${seed} (replay with FUZZ_SEED=${seed}), ${runs} cases per operation`);
      // The public and account routes' rate limits would answer 429 to most of the cases: lift them.
      t = await createTestApp({
        env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000', ACCOUNT_RATE_LIMIT_PER_MINUTE: '1000000' },
      });
      fixture = await seedFuzzFixture(t);
      table = accessTable(t);
      fuzzer = new Fuzzer(t, loadDocument(), fixture);
    });

    afterAll(async () => {
      const cases = outcomes.reduce((n, o) => n + o.cases, 0);
      const requests = outcomes.reduce((n, o) => n + o.requests, 0);
      const seconds = (Date.now() - started) / 1000;
      const incomplete = planned
        .map((op) => ({ key: op.key, gaps: incompleteResponses(op) }))
        .filter((o) => o.gaps.length > 0);
      const undocumented = outcomes.filter((o) => o.undocumented.length > 0);
      write(
        [
          `fuzz: seed ${seed}: ${outcomes.length} operations, ${cases} cases, ${requests} requests, ${seconds.toFixed(1)} s`,
          ...incomplete.map(
            (o) => `fuzz: response not described, body unchecked: ${o.key}: ${o.gaps.join('; ')}`,
          ),
          ...undocumented.map(
            (o) =>
              `fuzz: error statuses the document does not list: ${o.key}: ${o.undocumented.join(', ')}`,
          ),
        ].join('\n'),
      );
      if (process.env.FUZZ_REPORT) {
        writeFileSync(
          process.env.FUZZ_REPORT,
          JSON.stringify({ seed, runs, cases, requests, seconds, incomplete, outcomes }, null, 2),
        );
      }
      await t?.close();
    });

    it('knows who may call each operation of the document', () => {
      expect(planned.length).toBeGreaterThan(0);
      expect(planned.filter((op) => !accessOf(op, table)).map((op) => op.key)).toEqual([]);
    });

    for (const op of planned) {
      it(
        op.key,
        async () => {
          const access = accessOf(op, table);
          if (!access) {
            throw new Error(`${op.key}: no route of the application answers it`);
          }
          const outcome = await fuzzer.run(op, access, { runs, seed, path });
          outcomes.push(outcome);
          if (outcome.failure) {
            throw new Error(`seed ${seed}\n${outcome.failure}`);
          }
          expect(outcome.cases).toBe(path ? outcome.cases : runs);
        },
        Math.max(60_000, runs * 2_000),
      );
    }
  });
}
