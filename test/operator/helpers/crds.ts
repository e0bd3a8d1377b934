/**
 * The CRDs of `crds/` as parsed YAML, and a small checker of a value against their structural
 * schemas (types, enums, patterns, bounds, required, unknown fields), so tests can show that what
 * the operator writes would be accepted and kept (not pruned) by the API server.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
  format?: string;
  anyOf?: Schema[];
  default?: unknown;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-validations"?: Array<{ rule: string; message?: string }>;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML of a CRD
export type Crd = any;

export function loadCrd(file: string): Crd {
  const path = fileURLToPath(new URL(`../../../crds/${file}`, import.meta.url));
  return parse(readFileSync(path, "utf8"));
}

export function rootSchema(crd: Crd): Schema {
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

/** Problems of `value` against `schema`, each naming its JSON path. Empty when it fits. */
export function schemaErrors(schema: Schema, value: unknown, path = ""): string[] {
  if (value === undefined) return [];
  if (schema["x-kubernetes-int-or-string"]) {
    return typeof value === "number" || typeof value === "string" ? [] : [`${path}: not int-or-string`];
  }
  const errors: string[] = [];
  const t = schema.type;
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (t && !(t === actual || (t === "number" && actual === "integer")))
    return [`${path}: ${actual}, expected ${t}`];
  if (schema.enum && !schema.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: does not match pattern`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) errors.push(`${path}: too long`);
    if (
      schema.format === "date-time" &&
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)
    ) {
      errors.push(`${path}: not a date-time`);
    }
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${path}: below minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${path}: above maximum`);
  }
  if (Array.isArray(value) && schema.items) {
    for (const [i, v] of value.entries()) errors.push(...schemaErrors(schema.items, v, `${path}[${i}]`));
  }
  if (actual === "object" && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) errors.push(`${path}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      const sub =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
      if (sub) errors.push(...schemaErrors(sub, v, `${path}.${key}`));
      else if (!schema["x-kubernetes-preserve-unknown-fields"])
        errors.push(`${path}.${key}: unknown field (would be pruned)`);
    }
  }
  return errors;
}

/** Every schema node with its path, depth first. */
export function* walk(schema: Schema, path = ""): Generator<[string, Schema]> {
  yield [path, schema];
  for (const [k, s] of Object.entries(schema.properties ?? {})) yield* walk(s, `${path}.${k}`);
  if (typeof schema.additionalProperties === "object") yield* walk(schema.additionalProperties, `${path}.*`);
  if (schema.items) yield* walk(schema.items, `${path}[]`);
}
