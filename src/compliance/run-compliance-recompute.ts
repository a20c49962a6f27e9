import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ComplianceService, type RecomputeAllOutcome } from 'src/compliance/compliance.service';
import { parseAt, withComplianceContext } from 'src/compliance/run-compliance-sweep';
import { type EnvironmentVariables, validateEnvironment } from 'src/config/environment';

const USAGE = 'usage: npm run compliance:recompute [-- --at <ISO 8601 instant>]';

/**
 * `npm run compliance:recompute`: every site's status evaluated again from its inputs (after a
 * restore or a correction of data). Safe beside running instances: each batch locks its rows.
 */
export function runComplianceRecompute(
  env: EnvironmentVariables,
  at: Date = new Date(),
): Promise<RecomputeAllOutcome> {
  return withComplianceContext(env, (app) => app.get(ComplianceService).recomputeAll(at));
}

async function main(): Promise<number> {
  try {
    const at = parseAt(process.argv.slice(2), USAGE);
    const started = Date.now();
    const outcome = await runComplianceRecompute(validateEnvironment(process.env), at);
    process.stdout.write(
      `Compliance recomputed as of ${at.toISOString()} in ${Date.now() - started} ms: ` +
        `${outcome.sites} site(s), ${outcome.changed} changed, ` +
        `${outcome.statusChanged} changed status\n`,
    );
    return 0;
  } catch (error) {
    new Logger('ComplianceRecompute').error(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
