import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { CertificateResponse } from 'src/certificates/certificates.dto';
import { printedRecordHash } from 'src/certificates/printed-record';
import type {
  CertificateVerificationResponse,
  RegistryPageResponse,
} from 'src/certificates/public/public-certificates.dto';
import { decodeQrFromPdf } from 'src/certificates/qr.testing';
import { CertificateSigningService } from 'src/certificates/signing/certificate-signing.service';
import { appConfig, type AppConfig } from 'src/config/app-config';
import { CorrectiveAction } from 'src/corrective-actions/corrective-action.entity';
import type { Organisation } from 'src/members/organisation.entity';
import type { Site } from 'src/members/site.entity';
import type { User } from 'src/members/user.entity';
import { createTestApp, type TestApp } from '../app';
import {
  authAs,
  givenCertifiableSite,
  givenClosedAudit,
  givenOrganisation,
  givenUser,
} from '../factories';

const REVOCATION = 'Fausse déclaration constatée lors d’un contrôle inopiné.';
const RESPONSE = 'Casques individuels attribués, registre d’attribution joint.';
const PROBLEM = 'application/problem+json; charset=utf-8';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const unb64 = (segment: string) =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('certificate verification (public)', () => {
  let t: TestApp;
  let admin: User;
  let auditor: User;
  let member: User;
  let organisation: Organisation;
  let people: { admin: User; auditor: User };
  let baseUrl: string;

  const call = async (
    user: User | null,
    method: InjectOptions['method'],
    url: string,
    payload?: object,
  ) =>
    t.request({
      method,
      url: `/api/v1${url}`,
      payload,
      headers: user ? await authAs(t, user) : {},
    });
  const issued = async (site: Pick<Site, 'id'>) => {
    const res = await call(admin, 'POST', `/sites/${site.id}/certificates`);
    expect(res.statusCode).toBe(201);
    return res.json<CertificateResponse>();
  };
  const certifiedSite = (owner: Organisation = organisation, overrides: Partial<Site> = {}) =>
    givenCertifiableSite(t, people, owner, overrides);
  const tokenOf = (certificate: Pick<CertificateResponse, 'verifyUrl'>) =>
    new URL(certificate.verifyUrl).searchParams.get('t')!;

  const verification = (number: string, token?: string) =>
    t.request({
      method: 'GET',
      url: `/api/v1/public/certificates/${number}`,
      query: token === undefined ? {} : { t: token },
    });
  const verified = async (number: string, token?: string) => {
    const res = await verification(number, token);
    expect(res.statusCode).toBe(200);
    return res.json<CertificateVerificationResponse>();
  };
  const page = (number: string, query: Record<string, string> = {}, language?: string) =>
    t.request({
      method: 'GET',
      url: `/verify/${number}`,
      query,
      headers: language ? { 'accept-language': language } : {},
    });
  const publicPdf = (number: string) =>
    t.request({ method: 'GET', url: `/api/v1/public/certificates/${number}/pdf` });

  /** A multipart body with the given parts, as a browser's form would send it. */
  const multipart = (
    parts: { name: string; filename?: string; type?: string; content: Buffer | string }[],
  ) => {
    const boundary = '----charter-verify-pdf-boundary';
    const chunks: Buffer[] = [];
    for (const part of parts) {
      const disposition = part.filename
        ? `form-data; name="${part.name}"; filename="${part.filename}"`
        : `form-data; name="${part.name}"`;
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: ${disposition}\r\n` +
            (part.type ? `Content-Type: ${part.type}\r\n` : '') +
            '\r\n',
        ),
        Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content),
        Buffer.from('\r\n'),
      );
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return {
      payload: Buffer.concat(chunks),
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    };
  };
  const verifyPdf = (
    parts: { name: string; filename?: string; type?: string; content: Buffer | string }[],
  ) => t.request({ method: 'POST', url: '/api/v1/public/verify-pdf', ...multipart(parts) });

  const expectProblem = (res: LightMyRequestResponse, status: number, code: string) => {
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ status, code });
  };

  beforeAll(async () => {
    // Many requests from one address: the throttle is tested on an app of its own, below.
    t = await createTestApp({ env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' } });
    admin = await givenUser(t.db, 'admin');
    auditor = await givenUser(t.db, 'auditor');
    people = { admin, auditor };
    organisation = await givenOrganisation(t.db);
    member = await givenUser(t.db, 'member', { organisationId: organisation.id });
    baseUrl = t.app.get<AppConfig>(appConfig.KEY).publicBaseUrl;
  });

  afterAll(async () => {
    await t.close();
  });

  describe('round trip', () => {
    it('issues, prints the QR code, verifies its token offline with the JWKS and online as valid; then revoked', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      const { number } = certificate;

      // The stakeholders' copy is the issued PDF, byte for byte.
      const pdf = await publicPdf(number);
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(`inline; filename="${number}.pdf"`);
      expect(createHash('sha256').update(pdf.rawPayload).digest('hex')).toBe(certificate.pdfSha256);

      // The QR code printed on it opens the verification page with the token.
      const url = await decodeQrFromPdf(pdf.rawPayload);
      expect(url.startsWith(`${baseUrl}/verify/${number}?t=`)).toBe(true);
      const token = new URL(url).searchParams.get('t')!;

      // Offline: the token verifies against the published keys, and binds the printed record.
      const jwks = await t.request({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(jwks.statusCode).toBe(200);
      const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks.json()), {
        issuer: baseUrl,
        algorithms: ['EdDSA'],
      });
      expect(protectedHeader.alg).toBe('EdDSA');
      expect(payload).toMatchObject({
        sub: certificate.id,
        num: number,
        v: certificate.printed.charterVersion,
        h: printedRecordHash(certificate.printed),
      });

      // Online, with the token as the QR code gives it.
      const online = await verified(number, token);
      expect(online).toMatchObject({
        number,
        status: 'valid',
        deconfinementPrerequisite: { met: true, certificateNumber: number },
        printed: certificate.printed,
        recordHash: payload.h,
        validFrom: certificate.validFrom,
        validUntil: certificate.validUntil,
        revokedAt: null,
        successorNumber: null,
        verificationUrl: `${baseUrl}/verify/${number}`,
        pdfUrl: `${baseUrl}/api/v1/public/certificates/${number}/pdf`,
        token: { checked: true, valid: true, kid: protectedHeader.kid },
      });
      expect((await verified(number)).token).toEqual({ checked: false });

      const html = await t.request({ method: 'GET', url: url.slice(baseUrl.length) });
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.body).toContain('<html lang="fr" dir="ltr">');
      expect(html.body).toContain('>Valide<');
      expect(html.body).toContain('Code QR authentique');
      expect(html.body).toContain(site.name);
      expect(html.body).toContain(`href="/api/v1/public/certificates/${number}/pdf"`);
      expect(html.body).toContain('remplit aujourd’hui la condition préalable au déconfinement');

      // Revoked: said at once, the token still genuine, the PDF no longer served.
      const revoke = await call(admin, 'POST', `/certificates/${number}/revoke`, {
        reason: REVOCATION,
      });
      expect(revoke.statusCode).toBe(200);
      const revoked = await verified(number, token);
      expect(revoked).toMatchObject({
        status: 'revoked',
        revocationReason: REVOCATION,
        revokedAt: expect.any(String),
        deconfinementPrerequisite: { met: false, certificateNumber: null },
        pdfUrl: null,
        token: { checked: true, valid: true },
      });
      const gone = await publicPdf(number);
      expectProblem(gone, 410, 'CERTIFICATE.NOT_VALID');
      expect(gone.json().certificateStatus).toBe('revoked');
      const revokedPage = await page(number, { t: token });
      expect(revokedPage.body).toContain('>Retiré<');
      expect(revokedPage.body).toContain(REVOCATION);
      expect(revokedPage.body).toContain('ne remplit pas aujourd’hui');
      expect(revokedPage.body).not.toContain('Télécharger le certificat');
    });

    it('is suspended after a follow-up audit with a major NC, and valid again once it is fixed', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      const token = tokenOf(certificate);

      const { audit } = await givenClosedAudit(
        t,
        site,
        people,
        { E06: 'major_nc' },
        { type: 'follow_up' },
      );
      const suspended = await verified(certificate.number, token);
      expect(suspended).toMatchObject({
        status: 'suspended',
        suspendedAt: expect.any(String),
        deconfinementPrerequisite: { met: false, certificateNumber: null },
        pdfUrl: null,
        token: { checked: true, valid: true },
      });
      expect((await publicPdf(certificate.number)).json().certificateStatus).toBe('suspended');
      expect((await page(certificate.number, { lang: 'en' })).body).toContain('>Suspended<');

      const action = await t.db
        .getRepository(CorrectiveAction)
        .findOneByOrFail({ auditId: audit.id, commitmentCode: 'E06' });
      const responded = await call(member, 'POST', `/corrective-actions/${action.id}/response`, {
        description: RESPONSE,
      });
      expect(responded.statusCode).toBe(200);
      expect((await verified(certificate.number)).status).toBe('suspended');
      expect(
        (await call(auditor, 'POST', `/corrective-actions/${action.id}/verify`, {})).statusCode,
      ).toBe(200);
      expect(await verified(certificate.number, token)).toMatchObject({
        status: 'valid',
        suspendedAt: null,
        deconfinementPrerequisite: { met: true, certificateNumber: certificate.number },
        token: { checked: true, valid: true },
      });
      expect((await publicPdf(certificate.number)).statusCode).toBe(200);
    });

    it('names the successor of a superseded certificate, through which the site still meets the prerequisite', async () => {
      const site = await certifiedSite();
      const first = await issued(site);
      await givenClosedAudit(t, site, people, {}, { type: 'surveillance' });
      const second = await issued(site);

      expect(await verified(first.number, tokenOf(first))).toMatchObject({
        status: 'superseded',
        supersededAt: expect.any(String),
        successorNumber: second.number,
        deconfinementPrerequisite: { met: true, certificateNumber: second.number },
        pdfUrl: null,
        token: { checked: true, valid: true },
      });
      const html = (await page(first.number)).body;
      expect(html).toContain('>Remplacé<');
      expect(html).toContain(`href="/verify/${second.number}?lang=fr"`);
      expect(html).toContain('grâce à un autre certificat');
      expect((await publicPdf(first.number)).json().certificateStatus).toBe('superseded');
    });

    it('shows an active certificate past its end as expired, before the sweep stores it', async () => {
      const site = await certifiedSite();
      const certificate = await issued(site);
      await t.db.query(
        `UPDATE certificate SET issued_at = now() - interval '20 days',
                valid_from = current_date - 20, valid_until = current_date - 2,
                expires_at = now() - interval '1 second'
          WHERE number = $1`,
        [certificate.number],
      );
      const expired = await verified(certificate.number, tokenOf(certificate));
      expect(expired).toMatchObject({
        status: 'expired',
        deconfinementPrerequisite: { met: false },
        pdfUrl: null,
      });
      const [row] = await t.db.query<{ status: string }[]>(
        'SELECT status FROM certificate WHERE number = $1',
        [certificate.number],
      );
      expect(row.status).toBe('valid');
      expect((await publicPdf(certificate.number)).statusCode).toBe(410);
      expect((await page(certificate.number)).body).toContain('>Expiré<');
    });
  });

  describe('the token of ?t=', () => {
    let a: CertificateResponse;
    let b: CertificateResponse;
    let token: string;

    const signWith = async (claims: Record<string, unknown>) => {
      const signing = t.app.get(CertificateSigningService);
      return t.db.transaction((em) =>
        signing.sign(em, {
          sub: a.id,
          num: a.number,
          iat: 0,
          nbf: 0,
          exp: 0,
          v: a.printed.charterVersion,
          h: printedRecordHash(a.printed),
          ...claims,
        }),
      );
    };

    beforeAll(async () => {
      a = await issued(await certifiedSite());
      b = await issued(await certifiedSite());
      token = tokenOf(a);
    });

    const forged = () => {
      const [header, payload, signature] = token.split('.');
      return { header: unb64(header), payload: unb64(payload), signature };
    };
    const now = () => Math.floor(Date.now() / 1000);

    const cases: [string, () => Promise<string> | string, string][] = [
      [
        'a changed payload (another number)',
        () => {
          const { header, payload, signature } = forged();
          return `${b64(header)}.${b64({ ...payload, num: b.number })}.${signature}`;
        },
        'bad_signature',
      ],
      [
        'a changed payload (a later expiry)',
        () => {
          const { header, payload, signature } = forged();
          return `${b64(header)}.${b64({ ...payload, exp: now() + 10 * 365 * 86400 })}.${signature}`;
        },
        'bad_signature',
      ],
      [
        'alg: none and no signature',
        () => {
          const { header, payload } = forged();
          return `${b64({ ...header, alg: 'none' })}.${b64(payload)}.`;
        },
        'unsupported_algorithm',
      ],
      [
        'alg: none with a signature',
        () => {
          const { header, payload, signature } = forged();
          return `${b64({ ...header, alg: 'none' })}.${b64(payload)}.${signature}`;
        },
        'unsupported_algorithm',
      ],
      [
        'HS256 keyed with anything',
        () => {
          const { header, payload, signature } = forged();
          return `${b64({ ...header, alg: 'HS256' })}.${b64(payload)}.${signature}`;
        },
        'unsupported_algorithm',
      ],
      [
        'an unknown kid',
        () => {
          const { header, payload, signature } = forged();
          return `${b64({ ...header, kid: 'A'.repeat(43) })}.${b64(payload)}.${signature}`;
        },
        'unknown_key',
      ],
      [
        'the right kid, signed with another key',
        () => {
          const { header, payload } = forged();
          const input = `${b64(header)}.${b64(payload)}`;
          const { privateKey } = generateKeyPairSync('ed25519');
          return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
        },
        'bad_signature',
      ],
      [
        'an expired token',
        async () =>
          (await signWith({ iat: now() - 7200, nbf: now() - 7200, exp: now() - 3600 })).token,
        'expired',
      ],
      ['another certificate’s token', () => tokenOf(b), 'other_certificate'],
      [
        'a genuine token binding other details',
        async () =>
          (
            await signWith({
              iat: now(),
              nbf: now(),
              exp: now() + 3600,
              h: printedRecordHash({ ...a.printed, site: { ...a.printed.site, name: 'Ailleurs' } }),
            })
          ).token,
        'record_mismatch',
      ],
      ['garbage', () => 'garbage', 'malformed'],
      ['three empty segments', () => '..', 'malformed'],
      ['an empty token', () => '', 'malformed'],
      ['non-ASCII', () => 'é.😀.<script>', 'malformed'],
      ['2048 characters', () => 'a'.repeat(2048), 'malformed'],
    ];

    it.each(cases)('%s is not valid, and says why', async (_, make, reason) => {
      const forgery = await make();
      const res = await verification(a.number, forgery);
      expect(res.statusCode).toBe(200);
      expect(res.json<CertificateVerificationResponse>()).toMatchObject({
        status: 'valid',
        token: { checked: true, valid: false, reason },
      });
      const html = await page(a.number, { t: forgery });
      expect(html.statusCode).toBe(200);
      expect(html.body).toContain('Ce code ne correspond pas à ce certificat.');
      expect(html.body).not.toContain('Code QR authentique');
    });

    it('names the key of a genuine token that is not this certificate’s', async () => {
      const res = await verified(a.number, tokenOf(b));
      expect(res.token).toEqual({
        checked: true,
        valid: false,
        reason: 'other_certificate',
        kid: decodeProtectedHeader(tokenOf(b)).kid,
      });
    });

    it('refuses a token over 2048 characters with a 400 naming t', async () => {
      for (const res of [
        await verification(a.number, 'a'.repeat(2049)),
        await page(a.number, { t: 'a'.repeat(2049) }),
      ]) {
        expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
        expect(res.json().errors).toEqual([{ field: 't', message: expect.any(String) }]);
      }
    });

    it('never answers 5xx, whatever the token', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ maxLength: 400, unit: 'binary' }), async (forgery) => {
          const res = await verification(a.number, forgery);
          expect(res.statusCode).toBe(200);
          expect(res.json().token.valid).toBe(false);
        }),
        { numRuns: 60 },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.base64String({ maxLength: 120 }), { minLength: 3, maxLength: 3 }),
          async (segments) => {
            const res = await verification(a.number, segments.join('.').replace(/=/g, ''));
            expect(res.statusCode).toBe(200);
            expect(res.json().token.valid).toBe(false);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('refuses unknown query parameters', async () => {
      const res = await t.request({
        method: 'GET',
        url: `/api/v1/public/certificates/${a.number}?token=x`,
      });
      expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(res.json().errors).toEqual([{ field: 'token', message: 'is not allowed' }]);
    });
  });

  describe('unknown and malformed numbers', () => {
    it('answers 404 with the status unknown for a number no certificate bears', async () => {
      const res = await verification('AMRC-1999-99999', 'x.y.z');
      expectProblem(res, 404, 'CERTIFICATE.NOT_FOUND');
      expect(res.json().certificateStatus).toBe('unknown');
      expectProblem(await publicPdf('AMRC-1999-99999'), 404, 'CERTIFICATE.NOT_FOUND');
    });

    it.each(['nope', 'AMRC-2026-1', 'amrc-2026-00001x', 'AMRC-2026-000001'])(
      'answers 400 naming number for %p',
      async (number) => {
        const res = await verification(number);
        expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
        expect(res.json().errors).toEqual([{ field: 'number', message: expect.any(String) }]);
        expect((await publicPdf(number)).statusCode).toBe(400);
      },
    );

    it('shows a page saying unknown, with a 404, for an unknown or malformed number', async () => {
      const unknown = await page('AMRC-1999-99999');
      expect(unknown.statusCode).toBe(404);
      expect(unknown.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(unknown.body).toContain('>Inconnu<');
      expect(unknown.body).toContain('Aucun certificat délivré ne porte ce numéro');
      expect(unknown.body).not.toContain('AMRC-AAAA-NNNNN');

      const malformed = await page(encodeURIComponent('<script>alert(1)</script>'), {}, 'ar');
      expect(malformed.statusCode).toBe(404);
      expect(malformed.body).toContain('<html lang="ar" dir="rtl">');
      expect(malformed.body).toContain('غير معروفة');
      expect(malformed.body).toContain('AMRC-AAAA-NNNNN');
      expect(malformed.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(malformed.body).not.toContain('<script>');
    });

    it('reads a number typed in lower case on the page', async () => {
      const certificate = await issued(await certifiedSite());
      const res = await page(certificate.number.toLowerCase());
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('>Valide<');
    });
  });

  describe('the page', () => {
    let certificate: CertificateResponse;
    const company = `<script>alert("x")</script> Appels & Cie ’${Date.now()}`;
    const siteName = `Plateau <img src=x onerror=alert(1)> ${Date.now()}`;

    beforeAll(async () => {
      const owner = await givenOrganisation(t.db, { name: company });
      certificate = await issued(await certifiedSite(owner, { name: siteName }));
    });

    it('escapes every value, runs no script, and sets a strict policy', async () => {
      const res = await page(certificate.number, { t: tokenOf(certificate) });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toMatch(/<script/i);
      expect(res.body).not.toContain('<img');
      expect(res.body).toContain(
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Appels &amp; Cie',
      );
      expect(res.body).toContain('Plateau &lt;img src=x onerror=alert(1)&gt;');
      expect(res.headers['content-security-policy']).toContain("default-src 'none'");
      expect(res.headers['content-security-policy']).not.toContain('script-src');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.body).toContain(
        '<meta name="viewport" content="width=device-width, initial-scale=1"',
      );
    });

    it.each([
      [{}, undefined, 'fr', 'ltr', '>Valide<'],
      [{}, 'en-GB,en;q=0.9', 'en', 'ltr', '>Valid<'],
      [{}, 'ar-MA,ar;q=0.9,fr;q=0.5', 'ar', 'rtl', '>صالحة<'],
      [{}, 'de-DE,de;q=0.9', 'fr', 'ltr', '>Valide<'],
      [{ lang: 'en' }, 'ar', 'en', 'ltr', '>Valid<'],
      [{ lang: 'ar' }, 'en', 'ar', 'rtl', '>صالحة<'],
    ])(
      'query %p with Accept-Language %p is in %p (%p)',
      async (query, acceptLanguage, lang, dir, word) => {
        const res = await page(certificate.number, query, acceptLanguage);
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain(`<html lang="${lang}" dir="${dir}">`);
        expect(res.body).toContain(word);
        expect(res.headers['content-language']).toBe(lang);
        expect(res.headers.vary).toContain('accept-language');
        // Links to the two other languages, keeping the token.
        const others = ['fr', 'en', 'ar'].filter((l) => l !== lang);
        for (const other of others) {
          expect(res.body).toContain(`hreflang="${other}"`);
        }
      },
    );

    it('keeps the token in the language links', async () => {
      const token = tokenOf(certificate);
      const res = await page(certificate.number, { t: token });
      expect(res.body).toContain(`href="/verify/${certificate.number}?t=${token}&amp;lang=en"`);
    });

    it('refuses a language it is not written in, naming lang', async () => {
      const res = await page(certificate.number, { lang: 'de' });
      expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(res.json().errors).toEqual([{ field: 'lang', message: expect.any(String) }]);
    });
  });

  describe('registry', () => {
    const marker = `Zq${Date.now().toString(36)}`;
    const registry = async (query: Record<string, string>) => {
      const res = await t.request({ method: 'GET', url: '/api/v1/public/registry', query });
      expect(res.statusCode).toBe(200);
      return res.json<RegistryPageResponse>();
    };
    let listed: CertificateResponse[];

    beforeAll(async () => {
      const names = [
        [`Société Générale d’Appels ${marker}`, 'Fès'],
        [`SOCIETE ATLAS ${marker}`, 'Rabat'],
        [`Médi Call ${marker}`, 'Casablanca'],
      ] as const;
      listed = [];
      for (const [name, city] of names) {
        const owner = await givenOrganisation(t.db, { name });
        listed.push(await issued(await certifiedSite(owner, { city })));
      }
      // Neither a suspended nor a revoked certificate is listed.
      const suspendedOwner = await givenOrganisation(t.db, { name: `Suspendue ${marker}` });
      const suspendedSite = await certifiedSite(suspendedOwner, { city: 'Fès' });
      await issued(suspendedSite);
      await call(admin, 'POST', `/sites/${suspendedSite.id}/suspension`, {
        reason: 'Cas groupés signalés par la délégation de santé.',
      });
      const revokedOwner = await givenOrganisation(t.db, { name: `Retirée ${marker}` });
      const revoked = await issued(await certifiedSite(revokedOwner));
      await call(admin, 'POST', `/certificates/${revoked.number}/revoke`, { reason: REVOCATION });
    });

    it('lists the valid certificates matching the company, in any case and without accents', async () => {
      const page1 = await registry({ q: marker.toLowerCase() });
      expect(page1.total).toBe(3);
      expect(page1.items.map((e) => e.company)).toEqual([
        `Médi Call ${marker}`,
        `SOCIETE ATLAS ${marker}`,
        `Société Générale d’Appels ${marker}`,
      ]);
      expect(page1.items[0]).toEqual({
        number: listed[2].number,
        company: `Médi Call ${marker}`,
        site: listed[2].printed.site.name,
        city: 'Casablanca',
        validFrom: listed[2].validFrom,
        validUntil: listed[2].validUntil,
        verificationUrl: `${baseUrl}/verify/${listed[2].number}`,
        pdfUrl: `${baseUrl}/api/v1/public/certificates/${listed[2].number}/pdf`,
      });
      const societe = await registry({ q: `societe atlas ${marker}` });
      expect(societe.items.map((e) => e.company)).toEqual([`SOCIETE ATLAS ${marker}`]);
      const accented = await registry({ q: `SOCIÉTÉ GÉNÉRALE` });
      expect(accented.items.map((e) => e.company)).toContain(`Société Générale d’Appels ${marker}`);
    });

    it('searches by city, and pages in a stable order', async () => {
      const fes = await registry({ q: marker, city: 'FES' });
      expect(fes.items.map((e) => e.city)).toEqual(['Fès']);
      const pages = [1, 2, 3, 4].map((n) =>
        registry({ q: marker, pageSize: '1', page: String(n) }),
      );
      const items = (await Promise.all(pages)).map((p) => p.items.map((e) => e.number));
      expect(items).toEqual([[listed[2].number], [listed[1].number], [listed[0].number], []]);
      expect((await registry({ q: marker, pageSize: '2', page: '2' })).total).toBe(3);
    });

    it('takes wildcards literally', async () => {
      expect((await registry({ q: '%' })).total).toBe(0);
      expect((await registry({ q: `${marker}_` })).total).toBe(0);
      expect((await registry({ city: '_' })).total).toBe(0);
    });

    it.each([
      [{ pageSize: '1000' }, 'pageSize'],
      [{ page: '0' }, 'page'],
      [{ q: 'x'.repeat(101) }, 'q'],
      [{ sort: 'name' }, 'sort'],
    ])('refuses %p naming %p', async (query, field) => {
      const res = await t.request({ method: 'GET', url: '/api/v1/public/registry', query });
      expectProblem(res, 400, 'REQUEST.VALIDATION_FAILED');
      expect(res.json().errors[0].field).toBe(field);
    });

    it('is a page too, with the search kept and escaped, and links to verify and download', async () => {
      const res = await t.request({
        method: 'GET',
        url: '/registry',
        query: { q: marker, city: '"><b>', lang: 'en' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('value="&quot;&gt;&lt;b&gt;"');
      expect(res.body).toContain('No certified site matches this search.');

      const found = await t.request({ method: 'GET', url: '/registry', query: { q: marker } });
      expect(found.body).toContain('3 sites certifiés');
      for (const certificate of listed) {
        expect(found.body).toContain(`href="/verify/${certificate.number}?lang=fr"`);
        expect(found.body).toContain(
          `href="/api/v1/public/certificates/${certificate.number}/pdf"`,
        );
      }
      expect(found.body).not.toContain(`Suspendue ${marker}`);

      const second = await t.request({
        method: 'GET',
        url: '/registry',
        query: { q: marker, pageSize: '2', lang: 'ar' },
      });
      expect(second.body).toContain('<html lang="ar" dir="rtl">');
      expect(second.body).toContain(
        `href="/registry?q=${marker}&amp;pageSize=2&amp;page=2&amp;lang=ar"`,
      );
    });
  });

  describe('verify a PDF', () => {
    let certificate: CertificateResponse;
    let bytes: Buffer;

    beforeAll(async () => {
      certificate = await issued(await certifiedSite());
      bytes = (await publicPdf(certificate.number)).rawPayload;
    });

    it('finds the certificate whose PDF has exactly these bytes', async () => {
      const res = await verifyPdf([
        { name: 'file', filename: 'certificat.pdf', type: 'application/pdf', content: bytes },
      ]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        match: true,
        number: certificate.number,
        status: 'valid',
        verificationUrl: `${baseUrl}/verify/${certificate.number}`,
      });
    });

    it('finds no match for a PDF changed by one byte', async () => {
      const changed = Buffer.concat([bytes, Buffer.from('\n')]);
      const res = await verifyPdf([{ name: 'file', filename: 'c.pdf', content: changed }]);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ match: false });
    });

    it.each([
      ['a PNG', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')],
      ['an empty file', Buffer.alloc(0)],
      ['text', Buffer.from('%PD')],
    ])('refuses %s with 415 naming file', async (_, content) => {
      const res = await verifyPdf([{ name: 'file', filename: 'x.pdf', content }]);
      expectProblem(res, 415, 'CERTIFICATE.NOT_A_PDF');
      expect(res.json().errors).toEqual([{ field: 'file', message: expect.any(String) }]);
    });

    it('refuses a file over 10 MB with 413', async () => {
      const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(10 * 1024 * 1024)]);
      const res = await verifyPdf([{ name: 'file', filename: 'big.pdf', content: big }]);
      expectProblem(res, 413, 'CERTIFICATE.PDF_TOO_LARGE');
    });

    it('refuses a form without the file, with other fields, or not multipart', async () => {
      const none = await verifyPdf([]);
      expectProblem(none, 400, 'REQUEST.VALIDATION_FAILED');
      expect(none.json().errors).toEqual([{ field: 'file', message: expect.any(String) }]);

      const extra = await verifyPdf([{ name: 'number', content: certificate.number }]);
      expectProblem(extra, 400, 'REQUEST.VALIDATION_FAILED');
      expect(extra.json().errors).toEqual([{ field: 'number', message: 'is not allowed' }]);

      const field = await verifyPdf([{ name: 'file', content: 'not a file' }]);
      expect(field.json().errors).toEqual([{ field: 'file', message: expect.any(String) }]);

      const json = await t.request({
        method: 'POST',
        url: '/api/v1/public/verify-pdf',
        payload: { file: 'x' },
      });
      expectProblem(json, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('throttle', () => {
    let limited: TestApp;

    beforeAll(async () => {
      // A second instance on the same database, with a small limit.
      limited = await createTestApp({
        database: t.databaseName,
        env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '3' },
      });
    });

    afterAll(async () => {
      await limited.close();
    });

    it('answers 429 with Retry-After past the limit per address, across the public routes', async () => {
      const from = (remoteAddress: string, url: string, headers: Record<string, string> = {}) =>
        limited.request({ method: 'GET', url, remoteAddress, headers });
      expect(
        (await from('203.0.113.7', '/api/v1/public/certificates/AMRC-1999-99999')).statusCode,
      ).toBe(404);
      expect((await from('203.0.113.7', '/verify/AMRC-1999-99999')).statusCode).toBe(404);
      expect((await from('203.0.113.7', '/api/v1/public/registry')).statusCode).toBe(200);

      const refused = await from('203.0.113.7', '/registry', { 'x-forwarded-for': '198.51.100.1' });
      expectProblem(refused, 429, 'REQUEST.RATE_LIMITED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Sliding window: the minute's requests weigh on the next one until they age out.
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(120);
      expect(refused.json().retryAfter).toBe(Number(refused.headers['retry-after']));

      // Another address is counted apart; routes that are not public are not counted.
      expect((await from('203.0.113.8', '/api/v1/public/registry')).statusCode).toBe(200);
      expect((await from('203.0.113.7', '/health')).statusCode).not.toBe(429);
      expect((await from('203.0.113.7', '/.well-known/jwks.json')).statusCode).toBe(200);
    });
  });
});
