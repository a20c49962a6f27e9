import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { User } from 'src/members/user.entity';
import type { TestApp } from '../app';
import { tokenFor } from '../factories';
import { multipartBody, type FormPart } from '../fixtures/multipart';
import {
  boundaryValues,
  deepNesting,
  HUGE_STRING_LENGTH,
  junkValue,
  RawJson,
  serialise,
  spoil,
  spoilArbitrary,
  validValue,
  type IdsFor,
} from './arbitraries';
import { foreignIdentifiers, type FuzzFixture } from './fixture';
import {
  deref,
  incompleteResponses,
  ResponseValidator,
  type OpenApiDocument,
  type Operation,
  type Parameter,
  type Schema,
} from './openapi';
import type { Access } from './roles';

type Actor = 'admin' | 'auditor' | 'member' | 'anonymous';

/** A path parameter's value, and whether to put it in the URL without percent-encoding it. */
interface PathValue {
  readonly value: string;
  readonly raw: boolean;
}

type Body =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly label: string; readonly value: unknown }
  | { readonly kind: 'text'; readonly label: string; readonly text: string }
  | { readonly kind: 'multipart'; readonly label: string; readonly parts: readonly FormPart[] };

/** One generated request, before tokens and the current ETag are filled in. */
export interface FuzzCase {
  readonly actor: Actor;
  readonly path: Readonly<Record<string, PathValue>>;
  readonly query: readonly (readonly [string, string])[];
  /** `current`: the ETag of the resource, read just before sending. */
  readonly ifMatch?: string;
  /** undefined: the usual one for the body; null: none at all. */
  readonly contentType?: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Body;
}

/** The request as sent. */
export interface SentRequest {
  readonly method: Operation['method'];
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string | Buffer;
}

export interface OperationOutcome {
  readonly key: string;
  readonly cases: number;
  readonly requests: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Error statuses the operation answered that its document does not list. */
  readonly undocumented: readonly string[];
  readonly failure?: string;
  readonly ms: number;
}

// --- what the fuzzer sends ---------------------------------------------------------------------

const MALFORMED_SEGMENTS: PathValue[] = [
  ...[
    'not-a-uuid',
    '0',
    '-1',
    '1e3',
    'null',
    'undefined',
    ' ',
    'é',
    'a'.repeat(1_000),
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
    '6F9619FF-8B86-D011-B42D-00C04FC964FF',
    '6f9619ff-8b86-d011-b42d-00c04fc964ff0',
    "1' OR '1'='1",
    '{id}',
    '__proto__',
    'constructor',
    '..',
    '2020.1.1',
    'AMRC-0000-00000',
  ].map((value) => ({ value, raw: false })),
  // Sent as written: a NUL, an encoded slash, broken percent-encoding.
  ...['%00', '%2F', '%2e%2e', '%zz', '%E0%A4%A', '%C0%AF'].map((value) => ({ value, raw: true })),
];

const JUNK_IF_MATCH = [
  '"0"',
  '"1"',
  '"999999"',
  '"-1"',
  '"1.5"',
  '"99999999999999999999"',
  '*',
  'W/"1"',
  '1',
  '""',
  '"abc"',
  '"1", "2"',
  'x'.repeat(2_000),
];

const OTHER_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'application/json; charset=iso-8859-1',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'application/problem+json',
  'multipart/form-data; boundary=zzz',
  'multipart/form-data',
  'application/octet-stream',
  'application/json, text/plain',
  'json',
];

/** Printable ASCII, as a header value must be. */
const headerText = (maxLength: number) =>
  fc.string({ maxLength, unit: 'grapheme-ascii' }).map((s) => s.trim());

const EXTRA_HEADERS: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 12 },
  fc.record({ 'idempotency-key': fc.oneof(fc.uuid(), headerText(300)) }),
  fc.record({ accept: fc.constantFrom('application/xml', 'text/html', '*/*', 'application/pdf') }),
  fc.record({
    'accept-language': fc.oneof(fc.constantFrom('ar', 'fr;q=0.1, *', ''), headerText(50)),
  }),
  fc.record({ 'x-forwarded-for': fc.oneof(fc.ipV4(), headerText(30)) }),
  fc.record({
    authorization: fc.constantFrom(
      'Bearer x.y.z',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer null',
    ),
  }),
);

/** Junk for a text field: wrong-looking strings, also huge. */
const junkText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'true',
    '-1',
    '1e999',
    'NaN',
    '[]',
    '{}',
    "'",
    'x'.repeat(5_000),
  ),
);

/** The collection a path parameter names: `/audits/{id}/start` → `audits`. */
function collectionOf(op: Operation, param: string): string {
  if (param === 'code') {
    return 'codes';
  }
  if (param === 'version') {
    return 'charters';
  }
  if (param === 'number') {
    return 'certificates';
  }
  const segments = op.path.split('/');
  const at = segments.indexOf(`{${param}}`);
  return segments[at - 1] ?? param;
}

const FIELD_POOLS: Record<string, string> = {
  organisationId: 'organisations',
  siteId: 'sites',
  auditorId: 'auditors',
  auditId: 'audits',
  actorId: 'users',
  userId: 'users',
};

export class Fuzzer {
  private readonly validator = new ResponseValidator();
  private readonly problemSchema: Schema | undefined;
  private readonly ids: IdsFor;
  private readonly users = new Map<Actor, User>();
  private readonly allIds: string[];

  constructor(
    private readonly t: TestApp,
    doc: OpenApiDocument,
    private readonly fixture: FuzzFixture,
  ) {
    const problem = doc.components?.schemas?.ProblemResponse;
    this.problemSchema = problem && deref(doc, problem);
    const pools = fixture.pools;
    this.allIds = Object.entries(pools)
      .filter(([name]) => !['codes', 'charters', 'certificates'].includes(name))
      .flatMap(([, ids]) => ids);
    this.ids = (name) =>
      FIELD_POOLS[name] ? pools[FIELD_POOLS[name]] : name === 'entityId' ? this.allIds : [];
    this.users.set('admin', fixture.actors.admin);
    this.users.set('auditor', fixture.actors.auditor);
    this.users.set('member', fixture.actors.member);
  }

  /** Arbitrary requests for `op`, sent as one of the roles `access` admits. */
  cases(op: Operation, access: Access): fc.Arbitrary<FuzzCase> {
    const actor: fc.Arbitrary<Actor> = access.isPublic
      ? fc.oneof(
          { arbitrary: fc.constant('anonymous' as const), weight: 4 },
          fc.constant('member' as const),
        )
      : fc.constantFrom(...(access.roles as Actor[]));
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    const path = fc.record(
      Object.fromEntries(pathParams.map((p) => [p.name, this.pathValue(op, p)])),
    ) as fc.Arbitrary<Record<string, PathValue>>;
    const hasIfMatch = op.parameters.some(
      (p) => p.in === 'header' && p.name.toLowerCase() === 'if-match',
    );
    const ifMatch = hasIfMatch
      ? fc.oneof(
          { arbitrary: fc.constant('current'), weight: 6 },
          { arbitrary: fc.constant(undefined), weight: 1 },
          { arbitrary: fc.constantFrom(...JUNK_IF_MATCH), weight: 2 },
          { arbitrary: headerText(40), weight: 1 },
        )
      : fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 12 },
          fc.constantFrom(...JUNK_IF_MATCH),
        );
    return fc.record({
      actor,
      path,
      query: this.query(op),
      ifMatch,
      contentType: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 10 },
        fc.constant(null),
        fc.constantFrom(...OTHER_CONTENT_TYPES),
        headerText(40),
      ),
      headers: EXTRA_HEADERS,
      body: this.body(op),
    });
  }

  private pathValue(op: Operation, param: Parameter): fc.Arbitrary<PathValue> {
    const real = this.fixture.pools[collectionOf(op, param.name)] ?? [];
    const other =
      param.schema.format === 'uuid' || real.every((v) => /^[0-9a-f-]{36}$/.test(v))
        ? fc.uuid()
        : fc.string({ minLength: 1, maxLength: 30 });
    return fc.oneof(
      ...(real.length > 0
        ? [
            {
              arbitrary: fc.constantFrom(...real).map((value) => ({ value, raw: false })),
              weight: 12,
            },
          ]
        : []),
      { arbitrary: other.map((value) => ({ value, raw: false })), weight: 2 },
      { arbitrary: fc.constantFrom(...MALFORMED_SEGMENTS), weight: 2 },
    );
  }

  private query(op: Operation): fc.Arbitrary<(readonly [string, string])[]> {
    const declared = op.parameters.filter((p) => p.in === 'query');
    const perParam = declared.map((p) => {
      const asText = (v: unknown): string[] =>
        Array.isArray(v)
          ? v.flatMap(asText)
          : [v instanceof RawJson ? v.text : typeof v === 'string' ? v : serialise(v)];
      const value = fc.oneof(
        { arbitrary: validValue(p.schema, p.name, this.ids).map(asText), weight: 6 },
        { arbitrary: fc.constantFrom(...boundaryValues(p.schema), 'x').map(asText), weight: 2 },
        { arbitrary: junkText.map((s) => [s]), weight: 1 },
        { arbitrary: fc.tuple(junkText, junkText), weight: 1 },
      );
      return fc
        .option(value, { nil: undefined, freq: 2 })
        .map((values) => (values ?? []).map((v) => [p.name, v] as const));
    });
    const extra = fc.oneof(
      { arbitrary: fc.constant([] as (readonly [string, string])[]), weight: 8 },
      fc.constantFrom<(readonly [string, string])[]>(
        [['__proto__[polluted]', '1']],
        [['constructor[prototype][polluted]', '1']],
        [['__proto__', 'x']],
        [['unknown', 'x']],
        [
          ['page', '1'],
          ['page', '2'],
        ],
        [['pageSize', '100000']],
        [['q', 'x'.repeat(10_000)]],
      ),
      fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })).map((pair) => [pair]),
    );
    return fc
      .tuple(fc.tuple(...perParam), extra)
      .map(([params, more]) => [...params.flat(), ...more]);
  }

  private body(op: Operation): fc.Arbitrary<Body> {
    const content = op.requestBody?.content ?? {};
    const json = Object.entries(content).find(([type]) => /json/.test(type))?.[1];
    const form = content['multipart/form-data'];
    const junkBody = fc.oneof(
      junkValue.map((value): Body => ({ kind: 'json', label: 'top-level junk', value })),
      fc
        .constantFrom(
          '',
          '{',
          '{"a":1,}',
          '{"a":1}{"a":2}',
          'a=b&c=d',
          '<xml/>',
          '\u0000',
          '{"__proto__":{"polluted":true}}',
          '{"constructor":{"prototype":{"polluted":true}}}',
          `"${'x'.repeat(HUGE_STRING_LENGTH)}"`,
          deepNesting(10_000, 'array').text,
          deepNesting(10_000, 'object').text,
        )
        .map((text): Body => ({ kind: 'text', label: 'not a JSON object', text })),
    );
    if (json) {
      const valid = validValue(json, 'body', this.ids);
      return fc.oneof(
        {
          arbitrary: valid.map((value): Body => ({ kind: 'json', label: 'valid', value })),
          weight: 5,
        },
        {
          arbitrary: fc.tuple(valid, spoilArbitrary, fc.nat()).map(([value, how, node]): Body => ({
            kind: 'json',
            label: how.kind,
            value: spoil(json, value, how, node),
          })),
          weight: 5,
        },
        { arbitrary: junkBody, weight: 1 },
        {
          arbitrary: fc.constant<Body>({ kind: 'none' }),
          weight: op.requestBody?.required ? 1 : 2,
        },
      );
    }
    if (form) {
      return fc.oneof(
        { arbitrary: this.multipart(form), weight: 4 },
        { arbitrary: junkBody, weight: 1 },
        { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 1 },
      );
    }
    return fc.oneof(
      { arbitrary: fc.constant<Body>({ kind: 'none' }), weight: 8 },
      { arbitrary: junkBody, weight: 1 },
    );
  }

  /** A multipart form: its fields from the schema (real ids, junk), files of a few odd bytes. */
  private multipart(form: Schema): fc.Arbitrary<Body> {
    const fields = Object.entries(form.properties ?? {}).map(([name, schema]) => {
      const file = schema.format === 'binary';
      const value: fc.Arbitrary<FormPart | undefined> = file
        ? fc
            .tuple(
              fc.oneof(
                fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
                fc.constantFrom(
                  Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF'),
                  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
                  Buffer.from('<?php echo 1; ?>'),
                  Buffer.alloc(0),
                ),
              ),
              fc.constantFrom(
                'photo.jpg',
                'scan.pdf',
                '../../etc/passwd',
                '',
                'x'.repeat(300),
                'é.png',
              ),
            )
            .map(([bytes, filename]) => ({ name, value: bytes, filename }))
        : fc
            .oneof(validValue(schema, name, this.ids), junkText)
            .map((v) => ({ name, value: typeof v === 'string' ? v : serialise(v) }));
      return fc.option(value, { nil: undefined, freq: 6 });
    });
    return fc.tuple(fc.tuple(...fields), fc.boolean()).map(([parts, reversed]): Body => {
      const present = parts.filter((p): p is FormPart => p !== undefined);
      return { kind: 'multipart', label: 'form', parts: reversed ? present.reverse() : present };
    });
  }

  // --- sending and checking ---------------------------------------------------------------------

  /** The request of a case, with a fresh token of its actor and the resource's current ETag. */
  async materialise(op: Operation, c: FuzzCase): Promise<SentRequest> {
    let url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const v = c.path[name];
      return v.raw ? v.value : encodeURIComponent(v.value);
    });
    const resource = url;
    if (c.query.length > 0) {
      url += `?${c.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
    }
    const headers: Record<string, string> = {};
    const user = this.users.get(c.actor);
    if (user) {
      // Read again: a fuzzed request may have changed the user (its token version).
      const current = await this.t.db.getRepository(User).findOneByOrFail({ id: user.id });
      headers.authorization = `Bearer ${await tokenFor(this.t, current)}`;
    }
    if (c.ifMatch === 'current') {
      headers['if-match'] = await this.currentEtag(resource);
    } else if (c.ifMatch !== undefined) {
      headers['if-match'] = c.ifMatch;
    }
    let payload: string | Buffer | undefined;
    let contentType: string | undefined;
    switch (c.body.kind) {
      case 'json':
        payload = serialise(c.body.value);
        contentType = 'application/json';
        break;
      case 'text':
        payload = c.body.text;
        contentType = 'application/json';
        break;
      case 'multipart': {
        const form = multipartBody(c.body.parts);
        payload = form.payload;
        contentType = form.headers['content-type'];
        break;
      }
      case 'none':
        break;
    }
    if (c.contentType === null) {
      contentType = undefined;
    } else if (c.contentType !== undefined) {
      contentType = c.contentType;
    }
    if (contentType !== undefined && (payload !== undefined || c.contentType !== undefined)) {
      headers['content-type'] = contentType;
    }
    Object.assign(headers, c.headers);
    return { method: op.method, url, headers, payload };
  }

  /** The ETag of the record a URL acts on (`/audits/:id/start` → that of `/audits/:id`). */
  private async currentEtag(url: string): Promise<string> {
    const match = /^(.*?\/[0-9a-fA-F-]{36})(?:\/|$)/.exec(url);
    if (!match) {
      return '"1"';
    }
    const res = await this.t.request({
      method: 'GET',
      url: match[1],
      headers: { authorization: `Bearer ${await tokenFor(this.t, this.fixture.actors.admin)}` },
    });
    return typeof res.headers.etag === 'string' ? res.headers.etag : '"1"';
  }

  /** What is wrong with the answer to a request: nothing, when the list is empty. */
  check(
    op: Operation,
    c: FuzzCase,
    request: SentRequest,
    res: LightMyRequestResponse,
    foreign: ReadonlySet<string>,
    access: Access,
  ): string[] {
    const problems: string[] = [];
    const status = res.statusCode;
    const type = String(res.headers['content-type'] ?? '');
    const mediaType = type.split(';')[0].trim().toLowerCase();
    if (status >= 500) {
      problems.push(`answered ${status}`);
    }
    // The HTML pages (what the QR code opens) answer people: their errors may be pages too.
    const htmlPage = Object.values(op.responses).some((content) => 'text/html' in content);
    if (status >= 400 && !(htmlPage && mediaType === 'text/html')) {
      if (mediaType !== 'application/problem+json') {
        problems.push(
          `error ${status} is ${type || 'without a content type'}, not application/problem+json`,
        );
      } else {
        const body = parseJson(res.body);
        if (!body || typeof body !== 'object') {
          problems.push(`error ${status}: the problem document is not a JSON object`);
        } else {
          const problem = body as Record<string, unknown>;
          if (typeof problem.type !== 'string' || problem.type === '') {
            problems.push(`error ${status}: problem without a type`);
          }
          if (typeof problem.title !== 'string' || problem.title === '') {
            problems.push(`error ${status}: problem without a title`);
          }
          if (problem.status !== status) {
            problems.push(`error ${status}: problem status is ${JSON.stringify(problem.status)}`);
          }
          if (this.problemSchema) {
            for (const e of this.validator.errors(this.problemSchema, body)) {
              problems.push(`error ${status}: problem document ${e}`);
            }
          }
        }
      }
    }
    if (status >= 200 && status < 300) {
      const documented = op.responses[String(status)];
      if (!documented) {
        problems.push(
          `answered ${status}, which the document does not list (${Object.keys(op.responses).join(', ')})`,
        );
      } else if (status !== 204 && Object.keys(documented).length > 0) {
        if (!(mediaType in documented)) {
          problems.push(
            `answered ${status} as ${type}, the document says ${Object.keys(documented).join(' or ')}`,
          );
        } else {
          const schema = documented[mediaType];
          if (schema && /json/.test(mediaType) && incompleteResponses(op).length === 0) {
            const body = parseJson(res.body);
            for (const e of this.validator.errors(schema, body)) {
              problems.push(`${status} body does not match the response schema: ${e}`);
            }
          }
        }
      }
    }
    // Public pages list every organisation's certificates on purpose: only the member's own routes.
    if (c.actor === 'member' && !access.isPublic && foreign.size > 0) {
      // Identifiers the member sent are echoed (`instance`): only others count as leaks.
      const sent =
        `${request.url} ${typeof request.payload === 'string' ? request.payload : (request.payload?.toString('latin1') ?? '')}`.toLowerCase();
      const text = res.body.toLowerCase();
      const leaked = [...foreign].filter((id) => text.includes(id) && !sent.includes(id));
      if (leaked.length > 0) {
        problems.push(
          `a member of organisation A received identifiers of another organisation: ${leaked.join(', ')}`,
        );
      }
    }
    return problems;
  }

  /** `runs` generated requests at `op`, checked; the first failure shrunk and described. */
  async run(
    op: Operation,
    access: Access,
    options: { runs: number; seed: number; path?: string },
  ): Promise<OperationOutcome> {
    const started = Date.now();
    const statuses: Record<string, number> = {};
    const undocumented = new Set<string>();
    let requests = 0;
    const foreign = await foreignIdentifiers(this.t, this.fixture.organisationA.id);
    const property = fc.asyncProperty(this.cases(op, access), async (c) => {
      const request = await this.materialise(op, c);
      let res: LightMyRequestResponse;
      try {
        res = await this.t.request(request);
      } catch (error) {
        throw new FuzzFailure([`the request failed: ${String(error)}`], request, undefined);
      }
      requests += 1;
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode >= 400 && !op.responses[String(res.statusCode)]) {
        undocumented.add(String(res.statusCode));
      }
      const problems = this.check(op, c, request, res, foreign, access);
      if (problems.length > 0) {
        throw new FuzzFailure(problems, request, res);
      }
    });
    const result = await fc.check(property, {
      numRuns: options.runs,
      seed: options.seed,
      path: options.path,
    });
    const outcome = {
      key: op.key,
      cases: result.numRuns,
      requests,
      statuses,
      undocumented: [...undocumented].sort(),
      ms: Date.now() - started,
    };
    if (!result.failed) {
      return outcome;
    }
    const error = result.errorInstance;
    const description =
      error instanceof FuzzFailure
        ? error.describe()
        : `fast-check: ${error instanceof Error ? error.stack : String(error)}`;
    return {
      ...outcome,
      failure:
        `${op.key}: failed after ${result.numRuns} cases and ${result.numShrinks} shrinks\n` +
        `${description}\n` +
        `replay: FUZZ_SEED=${result.seed} FUZZ_PATH=${result.counterexamplePath ?? ''} ` +
        `FUZZ_ONLY='${op.key}' npm run test:fuzz`,
    };
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

const clip = (text: string, length = 1_500) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} characters)` : text;

/** A response the checks refused, with the request that got it. */
export class FuzzFailure extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly request: SentRequest,
    readonly response: LightMyRequestResponse | undefined,
  ) {
    super(problems.join('; '));
  }

  describe(): string {
    const { method, url, headers, payload } = this.request;
    const shownHeaders = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k,
        k === 'authorization' && v.length > 40
          ? `${v.slice(0, 20)}… (a fresh token)`
          : clip(v, 200),
      ]),
    );
    const body =
      payload === undefined
        ? '(none)'
        : Buffer.isBuffer(payload)
          ? clip(payload.toString('latin1'))
          : clip(payload);
    return [
      ...this.problems.map((p) => `  - ${p}`),
      `request: ${method} ${clip(url, 500)}`,
      `headers: ${JSON.stringify(shownHeaders)}`,
      `body: ${body}`,
      this.response
        ? `response: ${this.response.statusCode} ${String(this.response.headers['content-type'] ?? '')} ${clip(this.response.body, 800)}`
        : 'response: none',
    ].join('\n');
  }
}
