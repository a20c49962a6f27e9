import Fastify from 'fastify';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import type { Certificate } from 'src/certificates/certificate.entity';
import { CERTIFICATE_NUMBER_PATTERN } from 'src/certificates/certificate-number';
import { effectiveStatus } from 'src/certificates/certificate-status';
import { checkToken } from 'src/certificates/public/certificate-verification';
import { toVerificationResponse } from 'src/certificates/public/public-certificates.dto';
import {
  MAX_TOKEN_LENGTH,
  verifyCertificateToken,
} from 'src/certificates/signing/certificate-token';
import type { BaselineServer } from './baseline-charter-server';

/**
 * The baseline for `GET /api/v1/public/certificates/:number?t=`: bare Fastify over a `pg` pool,
 * doing on every request what CertificateVerificationService.verify does for a valid certificate
 * (the certificate by its number, the Ed25519 signature check of the token with node:crypto
 * against the public keys read once at start, the claims compared with the record, the same
 * response), with no framework, ORM, validation pipe, guards or security headers on top.
 */

// The columns TypeORM selects for the entity, named as the entity names them.
const CERTIFICATE_SQL = `
  SELECT id, number, year, sequence, site_id AS "siteId", organisation_id AS "organisationId",
         audit_id AS "auditId", status, printed, record_hash AS "recordHash", token, kid,
         pdf_sha256 AS "pdfSha256", pdf_size AS "pdfSize", issued_at AS "issuedAt",
         issued_by AS "issuedBy", valid_from::text AS "validFrom", valid_until::text AS "validUntil",
         expires_at AS "expiresAt", suspended_at AS "suspendedAt", revoked_at AS "revokedAt",
         revoked_by AS "revokedBy", revocation_reason AS "revocationReason",
         superseded_by AS "supersededBy", superseded_at AS "supersededAt",
         status_changed_at AS "statusChangedAt", version
    FROM certificate
   WHERE number = $1
   LIMIT 1`;

const KEYS_SQL = `SELECT kid, public_jwk AS "publicJwk" FROM certificate_signing_key`;

export async function startBaselineVerifyServer(
  databaseUrl: string,
  poolSize: number,
  publicBaseUrl: string,
): Promise<BaselineServer> {
  const pool = new Pool({ connectionString: databaseUrl, max: poolSize });
  const keys = new Map<string, KeyObject>();
  const app = Fastify({ logger: false });

  app.get<{ Params: { number: string }; Querystring: { t?: string } }>(
    '/api/v1/public/certificates/:number',
    async (request, reply) => {
      const { number } = request.params;
      const token = request.query.t;
      if (!CERTIFICATE_NUMBER_PATTERN.test(number)) {
        return reply.code(400).send({ status: 400, detail: 'number is malformed' });
      }
      if (token !== undefined && token.length > MAX_TOKEN_LENGTH) {
        return reply.code(400).send({ status: 400, detail: 't is too long' });
      }
      const found = await pool.query<Certificate>(CERTIFICATE_SQL, [number]);
      const certificate = found.rows[0];
      if (!certificate) {
        return reply.code(404).send({ status: 404, certificateStatus: 'unknown' });
      }
      const at = new Date();
      const status = effectiveStatus(certificate, at);
      if (status !== 'valid') {
        throw new Error('the baseline serves the valid certificate of the benchmark only');
      }
      const verdict =
        token === undefined
          ? undefined
          : verifyCertificateToken(token, keys, { issuer: publicBaseUrl, at });
      return toVerificationResponse(
        {
          certificate,
          status,
          successorNumber: null,
          prerequisite: { met: true, certificateNumber: certificate.number },
          token: verdict ? checkToken(verdict, certificate) : { checked: false },
          checkedAt: at,
        },
        publicBaseUrl,
      );
    },
  );

  try {
    const rows = await pool.query<{ kid: string; publicJwk: Record<string, string> }>(KEYS_SQL);
    for (const { kid, publicJwk } of rows.rows) {
      keys.set(kid, createPublicKey({ key: publicJwk, format: 'jwk' }));
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await pool.end();
    throw error;
  }
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      await pool.end();
    },
  };
}
