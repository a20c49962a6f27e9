import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A JSON Schema as the OpenAPI 3.0 document writes it (`nullable`, `example`...). */
export interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly nullable?: boolean;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly uniqueItems?: boolean;
  readonly items?: Schema;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly [keyword: string]: unknown;
}

export interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema: Schema;
}

interface MediaType {
  readonly schema?: Schema;
}

interface RawOperation {
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; content: Record<string, MediaType> };
  readonly responses: Record<string, { content?: Record<string, MediaType> }>;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly 'x-roles'?: readonly string[];
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, RawOperation>>;
  readonly components?: { readonly schemas?: Record<string, Schema> };
}

export interface Operation {
  /** `POST /api/v1/sites/{id}/certificates` */
  readonly key: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As the document writes it: `/api/v1/sites/{id}/certificates`. */
  readonly path: string;
  readonly parameters: readonly Parameter[];
  /** Content types of the request body, with their schemas, dereferenced. */
  readonly requestBody?: { readonly required: boolean; readonly content: Record<string, Schema> };
  /** Documented responses: status → content type → dereferenced schema (or undefined). */
  readonly responses: Record<string, Record<string, Schema | undefined>>;
  /** True when the document marks the operation as needing a bearer token. */
  readonly secured: boolean;
  /** Roles the document names (`x-roles`), when it names any. */
  readonly documentedRoles?: readonly string[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export const OPENAPI_FILE = join(__dirname, '..', '..', 'openapi.json');

/**
 * The committed document, read now: it is regenerated as the routes change. `FUZZ_OPENAPI` names
 * another file (a document just written by `npm run openapi` elsewhere).
 */
export function loadDocument(file = process.env.FUZZ_OPENAPI || OPENAPI_FILE): OpenApiDocument {
  return JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
}

/** `schema` with every `$ref` replaced by what it points to (the document has no cycles). */
export function deref(doc: OpenApiDocument, schema: Schema, seen: readonly string[] = []): Schema {
  if (schema.$ref) {
    const ref = schema.$ref;
    if (seen.includes(ref)) {
      throw new Error(`cyclic schema reference ${[...seen, ref].join(' → ')}`);
    }
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>(
        (node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/')],
        doc,
      ) as Schema | undefined;
    if (!target) {
      throw new Error(`unresolved schema reference ${ref}`);
    }
    const { $ref: _ref, ...siblings } = schema;
    return deref(doc, { ...target, ...siblings }, [...seen, ref]);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([name, sub]) => [
          name,
          deref(doc, sub, seen),
        ]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = deref(doc, value, seen);
    } else if (['allOf', 'oneOf', 'anyOf'].includes(key) && Array.isArray(value)) {
      out[key] = (value as Schema[]).map((sub) => deref(doc, sub, seen));
    } else {
      out[key] = value;
    }
  }
  return out;
}

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every operation of the document, in document order. */
export function operations(doc: OpenApiDocument): Operation[] {
  const found: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const raw = item[method];
      if (!raw) {
        continue;
      }
      const requestBody = raw.requestBody && {
        required: raw.requestBody.required ?? false,
        content: Object.fromEntries(
          Object.entries(raw.requestBody.content).map(([type, media]) => [
            type,
            deref(doc, media.schema ?? {}),
          ]),
        ),
      };
      const responses = Object.fromEntries(
        Object.entries(raw.responses).map(([status, response]) => [
          status,
          Object.fromEntries(
            Object.entries(response.content ?? {}).map(([type, media]) => [
              type,
              media.schema && deref(doc, media.schema),
            ]),
          ),
        ]),
      );
      found.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase() as Operation['method'],
        path,
        parameters: (raw.parameters ?? []).map((p) => ({ ...p, schema: deref(doc, p.schema) })),
        requestBody,
        responses,
        secured: (raw.security ?? []).length > 0,
        documentedRoles: raw['x-roles'],
      });
    }
  }
  return found;
}

/** Whether a schema says enough to check a body against it. */
const describesBody = (schema: Schema | undefined): boolean =>
  !!schema && (schema.type !== undefined || schema.enum !== undefined || !!schema.allOf);

/**
 * Where the document does not say what an operation answers: a 2xx with no content type (other
 * than 204), or a JSON content type without a usable schema.
 */
export function incompleteResponses(op: Operation): string[] {
  const gaps: string[] = [];
  for (const [status, content] of Object.entries(op.responses)) {
    if (!status.startsWith('2') || status === '204') {
      continue;
    }
    const types = Object.entries(content);
    if (types.length === 0) {
      gaps.push(`${status}: no content type or schema`);
    }
    for (const [type, schema] of types) {
      if (/json/.test(type) && !describesBody(schema)) {
        gaps.push(`${status} ${type}: no schema`);
      }
    }
  }
  return gaps;
}

/** Validators of response bodies, compiled once per schema. */
export class ResponseValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<Schema, ValidateFunction>();

  constructor() {
    // OpenAPI 3.0 keywords (`example`, `nullable`) are not JSON Schema's: not strict.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // RFC 5321 admits a domain without a dot (the bootstrap admin is admin@localhost); the
    // service does too, ajv-formats does not.
    this.ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('password', true);
  }

  /** The errors of `body` against `schema`, or none. */
  errors(schema: Schema, body: unknown): string[] {
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema));
      this.compiled.set(schema, validate);
    }
    if (validate(body)) {
      return [];
    }
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`,
    );
  }
}

/** OpenAPI 3.0's `nullable: true` as JSON Schema says it: null, or what the rest says. */
export function toJsonSchema(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable') {
      continue;
    }
    if (key === 'properties' && isSchema(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([n, sub]) => [n, toJsonSchema(sub)]),
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) {
      out[key] = toJsonSchema(value);
    } else if (['allOf', 'oneOf', 'anyOf'].includes(key) && Array.isArray(value)) {
      out[key] = (value as Schema[]).map(toJsonSchema);
    } else {
      out[key] = value;
    }
  }
  return schema.nullable ? { anyOf: [{ type: 'null' }, out] } : out;
}
