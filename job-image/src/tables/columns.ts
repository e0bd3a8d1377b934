/**
 * Row types ⇄ Arrow tables through a declared column schema, so that every Parquet file gik
 * writes or reads (templates, mapped indexes) has its columns named and typed in one place and
 * is validated, column by column and row by row, where it enters.
 *
 * @module
 */
import { makeVector, Table, type Vector } from "./arrow.js";
import { utf8Vector } from "./vectors.js";

/** Column kinds: UTF-8 text (`?` = nullable), float64, int64, int32. */
export type ColumnKind = "utf8" | "utf8?" | "f64" | "i64" | "i32";

export type ColumnSchema = Record<string, ColumnKind>;

type ValueOf<K extends ColumnKind> = K extends "utf8" ? string : K extends "utf8?" ? string | null : number;

/** The row type a schema describes. */
export type RowOf<S extends ColumnSchema> = { [C in keyof S]: ValueOf<S[C]> };

/** Builds an Arrow table of `rows` with exactly the schema's columns, in its order. */
export function rowsToTable<S extends ColumnSchema>(schema: S, rows: readonly RowOf<S>[]): Table {
  const columns: Record<string, Vector> = {};
  for (const [name, kind] of Object.entries(schema)) {
    const values = rows.map((row) => row[name]);
    switch (kind) {
      case "utf8":
      case "utf8?":
        columns[name] = utf8Vector(values as (string | null)[]);
        break;
      case "f64":
        columns[name] = makeVector(Float64Array.from(values as number[]));
        break;
      case "i64":
        columns[name] = makeVector(BigInt64Array.from(values as number[], (v) => BigInt(v)));
        break;
      case "i32":
        columns[name] = makeVector(Int32Array.from(values as number[]));
        break;
    }
  }
  return new Table(columns);
}

/**
 * Reads rows back from a table, checking that every schema column is present and every value has
 * its kind. `fail(reason)` builds the caller's error (it names the file).
 */
export function tableToRows<S extends ColumnSchema>(
  schema: S,
  table: Table,
  fail: (reason: string) => Error,
): RowOf<S>[] {
  const getters = Object.entries(schema).map(([name, kind]) => {
    const vector = table.getChild(name);
    if (!vector) throw fail(`column "${name}" is missing`);
    return { name, kind, vector };
  });
  const rows: RowOf<S>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (const { name, kind, vector } of getters) {
      row[name] = checkValue(vector.get(i), kind, () => fail(`row ${i}: column "${name}" is not ${kind}`));
    }
    rows.push(row as RowOf<S>);
  }
  return rows;
}

function checkValue(value: unknown, kind: ColumnKind, fail: () => Error): unknown {
  switch (kind) {
    case "utf8":
      if (typeof value !== "string") throw fail();
      return value;
    case "utf8?":
      if (value !== null && typeof value !== "string") throw fail();
      return value;
    case "f64":
      if (typeof value !== "number") throw fail();
      return value;
    case "i64":
    case "i32": {
      const n = typeof value === "bigint" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isSafeInteger(n)) throw fail();
      return n;
    }
  }
}
