/**
 * Apache Arrow, loaded from the single-file build its package ships. The package's module build
 * is 146 files; loading them took 94 ms of the start of every gik process (a pod's, a CLI run's),
 * the single file 15 ms. The API is the same, and the types are the package's own.
 *
 * Everything of gik that uses Arrow imports it from here, so that one copy of its classes is at work.
 *
 * @module
 */
import { createRequire } from "node:module";
import type * as Arrow from "apache-arrow";

const arrow = createRequire(import.meta.url)("apache-arrow/Arrow.esnext.min") as typeof Arrow;

export const {
  Binary,
  DataType,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} = arrow;
export type Binary = Arrow.Binary;
export type DataType = Arrow.DataType;
export type Table = Arrow.Table;
export type Utf8 = Arrow.Utf8;
export type Vector<T extends Arrow.DataType = Arrow.DataType> = Arrow.Vector<T>;
