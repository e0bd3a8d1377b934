/**
 * Sanity of the CRDs as files: the structural-schema rules the operator relies on, the patterns
 * shared with `api/validate.ts`, and that the statuses the operator computes fit the status
 * schemas (an unknown status field would be pruned silently by the API server).
 */
import { describe, expect, it } from "vitest";
import {
  ConditionType,
  DATE_PATTERN,
  DNS_SUBDOMAIN_PATTERN,
  MEMBER_PATTERN,
  URL_PATTERN,
  WRITABLE_URL_PATTERN,
} from "../../job-image/src/api/index.js";
import { checkRun } from "../../operator/src/reconcilers/ecmwf-run/checks.js";
import { computeRunStatus } from "../../operator/src/reconcilers/ecmwf-run/status.js";
import { checkTemplateBuild } from "../../operator/src/reconcilers/template-build/checks.js";
import { desiredTemplateBuildJob } from "../../operator/src/reconcilers/template-build/desired-job.js";
import { computeTemplateBuildStatus } from "../../operator/src/reconcilers/template-build/status.js";
import { loadCrd, rootSchema, schemaErrors, walk } from "./helpers/crds.js";
import { defaults, partiallySucceededRun, templateBuild, withJobStatus } from "./helpers/objects.js";

const crds = [
  {
    file: "ecmwfruns.gik.dev.yaml",
    kind: "EcmwfRun",
    plural: "ecmwfruns",
    short: "er",
    immutable: ["date", "cycle"],
  },
  {
    file: "templatebuilds.gik.dev.yaml",
    kind: "TemplateBuild",
    plural: "templatebuilds",
    short: "tb",
    immutable: ["referenceDate", "cycle", "store"],
  },
];

describe.each(crds)("$file", ({ file, kind, plural, short, immutable }) => {
  const crd = loadCrd(file);
  const version = crd.spec.versions[0];
  const root = rootSchema(crd);
  const spec = root.properties!.spec!;

  it("names, scope, version and status subresource", () => {
    expect(crd.metadata.name).toBe(`${plural}.gik.dev`);
    expect(crd.spec.group).toBe("gik.dev");
    expect(crd.spec.scope).toBe("Namespaced");
    expect(crd.spec.names).toMatchObject({ kind, plural, shortNames: [short] });
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({
      name: "v1alpha1",
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it("is structural: every node has a type (or is int-or-string), no preserve-unknown-fields", () => {
    for (const [path, node] of walk(root)) {
      if (node["x-kubernetes-int-or-string"]) continue;
      expect(node.type, `${path} has a type`).toBeTypeOf("string");
      expect(node["x-kubernetes-preserve-unknown-fields"], path).toBeUndefined();
    }
  });

  it("has no field that could hold an inline credential", () => {
    const names = [...walk(spec)].map(([path]) => path.split(".").at(-1) ?? "");
    const suspicious = names.filter((n) => /key|secret|token|password|credential/i.test(n));
    expect(suspicious.sort()).toEqual(["credentials", "secretRef"]);
    expect(spec.properties!.credentials!.properties!.secretRef!.properties).toEqual({
      name: expect.objectContaining({ type: "string" }),
    });
  });

  it("uses the patterns of api/validate.ts", () => {
    const patterns = new Set(
      [...walk(spec)].flatMap(([, n]) => (n.pattern ? [new RegExp(n.pattern).source] : [])),
    );
    for (const re of [
      DATE_PATTERN,
      MEMBER_PATTERN,
      URL_PATTERN,
      WRITABLE_URL_PATTERN,
      DNS_SUBDOMAIN_PATTERN,
    ]) {
      expect(patterns.has(re.source), re.source).toBe(true);
    }
  });

  it.each(immutable)("%s is immutable (CEL transition rule)", (field) => {
    const rules = spec.properties![field]!["x-kubernetes-validations"] ?? [];
    expect(rules.map((r) => r.rule)).toContain("self == oldSelf");
  });

  it("printer columns point at fields of the schema", () => {
    for (const column of version.additionalPrinterColumns) {
      const parts: string[] = column.jsonPath.split(".").slice(1);
      let node = root;
      for (const part of parts)
        node = node.properties?.[part] ?? (part === "creationTimestamp" ? { type: "string" } : {});
      expect(node.type, column.jsonPath).toBeDefined();
    }
  });

  it("conditions are a map list keyed by type", () => {
    const conditions = root.properties!.status!.properties!.conditions!;
    expect(conditions["x-kubernetes-list-type"]).toBe("map");
    expect(conditions["x-kubernetes-list-map-keys"]).toEqual(["type"]);
  });
});

describe("patterns", () => {
  it.each([
    {
      re: URL_PATTERN,
      ok: ["s3://ecmwf-forecasts", "gs://gik-out/a/b", "https://data.ecmwf.int/forecasts"],
      bad: ["file:///tmp/x", "http://x.org/a", "s3://", "s3://Bucket/x", "s3://a b/c"],
    },
    {
      re: WRITABLE_URL_PATTERN,
      ok: ["s3://gik-out", "gs://gik-out/a/b"],
      bad: ["https://data.ecmwf.int/forecasts", "file:///tmp/x", "/tmp/x", "s3://Bucket/x"],
    },
    {
      re: MEMBER_PATTERN,
      ok: ["control", "ens01", "ens10", "ens49", "ens50"],
      bad: ["ens00", "ens51", "ens1", "ens100", "Control"],
    },
    { re: DATE_PATTERN, ok: ["20250101"], bad: ["2025010", "2025-01-01", "202501011"] },
  ])("$re", ({ re, ok, bad }) => {
    for (const v of ok) expect(re.test(v), v).toBe(true);
    for (const v of bad) expect(re.test(v), v).toBe(false);
  });

  it("the EcmwfRun schema defaults what the operator expects", () => {
    const spec = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.spec!.properties!;
    expect(spec.cycle!.default).toBe(0);
    expect(spec.cycle!.enum).toEqual([0, 6, 12, 18]);
    expect(spec.source!.default).toBe("s3://ecmwf-forecasts");
    expect(spec.format!.default).toBe("parquet");
    expect(spec.backoffLimitPerIndex).toMatchObject({ minimum: 0, maximum: 10, default: 2 });
    expect(spec.parallelism).toMatchObject({ minimum: 1, maximum: 51 });
    expect(spec.members!["x-kubernetes-list-type"]).toBe("set");
  });
});

describe("statuses the operator writes fit the status schemas", () => {
  const now = new Date("2025-01-01T07:00:00Z");

  it("EcmwfRun: a partially succeeded run with reports and a killed pod", () => {
    const { run, job, pods } = partiallySucceededRun();
    const status = computeRunStatus(run, job, pods, checkRun({ run, job, defaults }), now);
    const schema = rootSchema(loadCrd("ecmwfruns.gik.dev.yaml")).properties!.status!;
    expect(status.phase).toBe("PartiallySucceeded");
    expect(status.conditions!.map((c) => c.type).sort()).toEqual(Object.values(ConditionType).sort());
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(status)), "status")).toEqual([]);
  });

  it("TemplateBuild: a succeeded build", () => {
    const tb = templateBuild({ shards: 2 });
    const job = withJobStatus(desiredTemplateBuildJob(tb, defaults), {
      startTime: new Date("2025-01-01T06:00:00Z"),
      completionTime: new Date("2025-01-01T06:01:00Z"),
      completedIndexes: "0-1",
      conditions: [{ type: "Complete", status: "True" }],
    });
    const status = computeTemplateBuildStatus(tb, job, checkTemplateBuild({ templateBuild: tb }), now);
    const schema = rootSchema(loadCrd("templatebuilds.gik.dev.yaml")).properties!.status!;
    expect(status).toMatchObject({
      phase: "Succeeded",
      store: "s3://gik-templates/20240529",
      completedShards: 2,
    });
    expect(schemaErrors(schema, JSON.parse(JSON.stringify(status)), "status")).toEqual([]);
  });
});
