import fc from 'fast-check';
import type { Schema } from './openapi';

/** A piece of JSON text sent as is: what `JSON.stringify` cannot write (1e999, a lone surrogate). */
export class RawJson {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `<raw ${this.text.length > 60 ? `${this.text.slice(0, 60)}… (${this.text.length} chars)` : this.text}>`;
  }
}

/** JSON text of a value that may hold {@link RawJson} pieces and own `__proto__` keys. */
export function serialise(value: unknown): string {
  if (value instanceof RawJson) {
    return value.text;
  }
  if (Array.isArray(value)) {
    return `[${value.map(serialise).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${serialise(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `target` with an own, enumerable property `key` (also `__proto__`, which `=` would not make). */
export function withKey(target: object, key: string, value: unknown): Record<string, unknown> {
  const copy = { ...target } as Record<string, unknown>;
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** Real identifiers the fuzzer should use for a field or parameter of this name, if any. */
export type IdsFor = (name: string) => readonly string[];

const DAY_MS = 86_400_000;
const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);

export const HUGE_STRING_LENGTH = 100_000;

/** A value the schema admits. Real ids for uuid fields whose name has some. */
export function validValue(schema: Schema, name: string, ids: IdsFor): fc.Arbitrary<unknown> {
  const base = validNonNull(schema, name, ids);
  return schema.nullable ? fc.oneof({ arbitrary: base, weight: 4 }, fc.constant(null)) : base;
}

function validNonNull(schema: Schema, name: string, ids: IdsFor): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length > 0) {
    return fc.constantFrom(...schema.enum.filter((v) => v !== null));
  }
  if (schema.allOf && schema.allOf.length > 0) {
    return validValue(Object.assign({}, ...schema.allOf) as Schema, name, ids);
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives && alternatives.length > 0) {
    return fc.oneof(...alternatives.map((s) => validValue(s, name, ids)));
  }
  switch (schema.type) {
    case 'string':
      return validString(schema, name, ids);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.oneof(
        fc.integer({
          min: Math.ceil(schema.minimum ?? -1_000_000),
          max: Math.floor(schema.maximum ?? 1_000_000),
        }),
        fc.double({
          min: schema.minimum ?? -1_000_000,
          max: schema.maximum ?? 1_000_000,
          noNaN: true,
          noDefaultInfinity: true,
        }),
      );
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = validValue(schema.items ?? {}, name, ids);
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.min(schema.maxItems ?? minLength + 4, minLength + 4);
      return schema.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => serialise(v) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object':
    case undefined:
      if (schema.properties) {
        return validObject(schema, ids);
      }
      return schema.type === 'object'
        ? fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
            maxKeys: 3,
          })
        : fc.jsonValue({ maxDepth: 2 });
    default:
      return fc.constant(null);
  }
}

function validObject(schema: Schema, ids: IdsFor): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const model = Object.fromEntries(
    Object.entries(properties).map(([key, sub]) => [key, validValue(sub, key, ids)]),
  );
  return fc.record(model, { requiredKeys: [...(schema.required ?? [])] });
}

function validString(schema: Schema, name: string, ids: IdsFor): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? Math.max(minLength, 40);
  switch (schema.format ?? '') {
    case 'uuid': {
      const real = ids(name);
      return real.length > 0
        ? fc.oneof({ arbitrary: fc.constantFrom(...real), weight: 4 }, fc.uuid())
        : fc.uuid();
    }
    case 'date':
      // Calendar dates around today: most rules speak of "today or later, within two years".
      return fc.integer({ min: -60, max: 800 }).map(isoDay);
    case 'date-time':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'email':
      return fc
        .tuple(
          fc.stringMatching(/^[a-z][a-z0-9.]{0,20}[a-z0-9]$/),
          fc.integer({ min: 0, max: 1e9 }),
        )
        .map(([local, n]) => `${local}${n}@example.ma`);
    case 'password':
      return fc.string({
        minLength: Math.max(minLength, 16),
        maxLength: Math.min(maxLength, 64),
        unit: 'grapheme-ascii',
      });
    default:
      break;
  }
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= maxLength);
  }
  const upper = Math.min(maxLength, minLength + 60);
  // Printable text, sometimes beyond ASCII (accents, Arabic script, emoji).
  return fc.oneof(
    { arbitrary: fc.string({ minLength, maxLength: upper }), weight: 3 },
    fc
      .string({ minLength, maxLength: upper, unit: 'grapheme' })
      .filter((s) => s.length >= minLength && s.length <= maxLength),
  );
}

/** Values at and just beyond the edges of what the schema admits. */
export function boundaryValues(schema: Schema): unknown[] {
  const values: unknown[] = [];
  if (schema.nullable) {
    values.push(null);
  }
  if (schema.enum && schema.enum.length > 0) {
    const first = String(schema.enum[0]);
    values.push(first.toUpperCase(), ` ${first}`, `${first}\u0000`, '');
    return values;
  }
  switch (schema.type ?? '') {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = schema.maxLength;
      values.push('a'.repeat(min), ' '.repeat(Math.max(min, 1)));
      if (min > 0) {
        values.push('a'.repeat(min - 1));
      }
      if (max !== undefined) {
        values.push('a'.repeat(max), 'a'.repeat(max + 1), 'é'.repeat(max));
      }
      if (schema.format === 'uuid') {
        values.push(
          '00000000-0000-0000-0000-000000000000',
          'ffffffff-ffff-ffff-ffff-ffffffffffff',
          '6F9619FF-8B86-D011-B42D-00C04FC964FF',
          '{6f9619ff-8b86-d011-b42d-00c04fc964ff}',
          '6f9619ff8b86d011b42d00c04fc964ff',
        );
      }
      if (schema.format === 'date') {
        values.push(
          isoDay(0),
          isoDay(-1),
          isoDay(731),
          '2026-02-30',
          '2026-13-01',
          '0000-01-01',
          '9999-12-31',
          '2026-1-1',
          new Date().toISOString(),
        );
      }
      if (schema.format === 'date-time') {
        values.push('1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-02-30T00:00:00Z');
      }
      if (schema.format === 'email') {
        values.push('a@b', '@example.ma', `${'a'.repeat(250)}@example.ma`, 'ANNE@EXAMPLE.MA');
      }
      return values;
    }
    case 'integer':
    case 'number': {
      const min = schema.minimum;
      const max = schema.maximum;
      values.push(0, -1, 0.5, -0, Number.MAX_SAFE_INTEGER, new RawJson('1e999'));
      values.push(new RawJson('12345678901234567890123'), new RawJson('1.0'));
      if (min !== undefined) {
        values.push(min, min - 1, min + 0.5);
      }
      if (max !== undefined) {
        values.push(max, max + 1, max - 0.5);
      }
      return values;
    }
    case 'array': {
      const min = schema.minItems ?? 0;
      const item = schema.items?.enum?.[0] ?? 'x';
      values.push(
        [],
        Array.from({ length: min + 1 }, () => item),
      );
      if (min > 0) {
        values.push(Array.from({ length: min - 1 }, () => item));
      }
      if (schema.maxItems !== undefined) {
        values.push(Array.from({ length: schema.maxItems + 1 }, () => item));
      }
      values.push(Array.from({ length: 10_000 }, () => item));
      return values;
    }
    case 'boolean':
      values.push('true', 1, 0, 'false');
      return values;
    default:
      values.push({}, []);
      return values;
  }
}

/** Deeply nested JSON text: arrays or objects `depth` levels down. */
export const deepNesting = (depth: number, kind: 'array' | 'object'): RawJson =>
  kind === 'array'
    ? new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)
    : new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/** Values of no schema's liking: wrong types, huge strings, deep nesting, odd numbers. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.string({ maxLength: 20, unit: 'binary' }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constantFrom<unknown>(
    '',
    ' ',
    '0',
    'null',
    'undefined',
    'NaN',
    "'; DROP TABLE site; --",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '\u202e',
    'x'.repeat(HUGE_STRING_LENGTH),
    'é'.repeat(HUGE_STRING_LENGTH / 2),
    new RawJson('"\\ud800"'),
    new RawJson('1e999'),
    new RawJson('-0'),
    new RawJson('123456789012345678901234567890'),
    deepNesting(100, 'array'),
    deepNesting(2_000, 'array'),
    deepNesting(2_000, 'object'),
    { __type: 'x' },
    [null],
  ),
);

/** The keys of prototype pollution, each sent as an own key of the JSON text. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const pollutingValue = fc.constantFrom<unknown>(
  { polluted: true, role: 'admin', organisationId: null },
  { prototype: { polluted: true } },
  'admin',
  null,
);

/** Every plain object inside `value` (itself included), to pick one to spoil. */
function objectNodes(value: unknown, path: string[] = []): string[][] {
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    value instanceof RawJson
  ) {
    return [];
  }
  return [path, ...Object.entries(value).flatMap(([k, v]) => objectNodes(v, [...path, k]))];
}

function replaceAt(
  value: unknown,
  path: string[],
  change: (node: Record<string, unknown>) => unknown,
): unknown {
  if (path.length === 0) {
    return change(value as Record<string, unknown>);
  }
  const [head, ...rest] = path;
  const node = value as Record<string, unknown>;
  return withKey(node, head, replaceAt(node[head], rest, change));
}

export type Spoil =
  | { readonly kind: 'drop-required'; readonly pick: number }
  | { readonly kind: 'wrong-type'; readonly pick: number; readonly value: unknown }
  | { readonly kind: 'extra-property'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'polluting-key'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'boundary'; readonly pick: number; readonly value: number };

export const spoilArbitrary: fc.Arbitrary<Spoil> = fc.oneof(
  fc.record({ kind: fc.constant('drop-required' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('wrong-type' as const), pick: fc.nat(), value: junkValue }),
  fc.record({
    kind: fc.constant('extra-property' as const),
    key: fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('id', 'organisationId', 'version', 'role', 'status'),
    ),
    value: junkValue,
  }),
  fc.record({
    kind: fc.constant('polluting-key' as const),
    key: fc.constantFrom(...POLLUTING_KEYS),
    value: pollutingValue,
  }),
  fc.record({ kind: fc.constant('boundary' as const), pick: fc.nat(), value: fc.nat() }),
);

/**
 * `valid` (a body the schema admits) spoiled one way, at one of its objects (nested ones too):
 * a required key dropped, a value of the wrong type, an extra or a polluting key, a boundary value.
 */
export function spoil(schema: Schema, valid: unknown, how: Spoil, pickNode: number): unknown {
  const nodes = objectNodes(valid);
  if (nodes.length === 0) {
    return how.kind === 'wrong-type' ? how.value : valid;
  }
  const path = nodes[pickNode % nodes.length];
  const nodeSchema = path.reduce<Schema | undefined>(
    (s, key) => s?.properties?.[key] ?? s?.items,
    schema,
  );
  return replaceAt(valid, path, (node) => {
    const keys = Object.keys(nodeSchema?.properties ?? node);
    switch (how.kind) {
      case 'drop-required': {
        const required = nodeSchema?.required ?? Object.keys(node);
        if (required.length === 0) {
          return node;
        }
        const key = required[how.pick % required.length];
        const { [key]: _dropped, ...rest } = node;
        return rest;
      }
      case 'wrong-type':
        return keys.length === 0
          ? how.value
          : withKey(node, keys[how.pick % keys.length], how.value);
      case 'extra-property':
      case 'polluting-key':
        return withKey(node, how.key, how.value);
      case 'boundary': {
        if (keys.length === 0) {
          return node;
        }
        const key = keys[how.pick % keys.length];
        const edges = boundaryValues(nodeSchema?.properties?.[key] ?? {});
        return edges.length === 0 ? node : withKey(node, key, edges[how.value % edges.length]);
      }
    }
  });
}
