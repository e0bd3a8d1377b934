/**
 * The objects the end-to-end tests apply, as a user writes them: a TemplateBuild of the reference
 * run 20240529 and an EcmwfRun of 20250101, reading the mirror in MinIO, with their credentials by
 * Secret reference only. Each namespace gets its own templates and output prefixes.
 *
 * @module
 */
import type { EcmwfRunSpec, TemplateBuildSpec } from "../../../job-image/src/api/index.js";
import { CREDENTIALS_SECRET, gikObject } from "./cluster.js";
import { MIRROR_BUCKET, OUT_BUCKET, TEMPLATES_BUCKET } from "./harness.js";

export const TEMPLATE_BUILD = "ref-20240529";
export const RUN = "ens-20250101";
/** The Job of {@link RUN} (`er-<name>`). */
export const RUN_JOB = `er-${RUN}`;
/** The commit Job of {@link RUN}, when it has one (`erc-<name>`). */
export const COMMIT_JOB = `erc-${RUN}`;

const credentials = { secretRef: { name: CREDENTIALS_SECRET } };

/** Where the templates of namespace `ns` go. */
export const templatesStore = (ns: string) => `s3://${TEMPLATES_BUCKET}/${ns}/20240529`;
/** Where the stores of namespace `ns` go. */
export const outputOf = (ns: string) => `s3://${OUT_BUCKET}/${ns}`;
/** The store of `member` written by the run of namespace `ns` (DESIGN.md's layout). */
export const storeUrl = (ns: string, member: string) => `${outputOf(ns)}/20250101/00z/${member}.parquet`;

/** The TemplateBuild of namespace `ns`. */
export function templateBuild(ns: string, spec: Partial<TemplateBuildSpec> = {}) {
  return gikObject("TemplateBuild", ns, TEMPLATE_BUILD, {
    referenceDate: "20240529",
    source: `s3://${MIRROR_BUCKET}`,
    store: templatesStore(ns),
    credentials,
    ...spec,
  });
}

/** The EcmwfRun of namespace `ns`, by default on the TemplateBuild of the same namespace. */
export function ecmwfRun(ns: string, spec: Partial<EcmwfRunSpec> = {}) {
  return gikObject("EcmwfRun", ns, RUN, {
    date: "20250101",
    cycle: 0,
    templates: { templateBuild: TEMPLATE_BUILD },
    source: `s3://${MIRROR_BUCKET}`,
    output: outputOf(ns),
    credentials,
    ...spec,
  });
}
