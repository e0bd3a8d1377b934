import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  controllerOwner,
  GenerationChanged,
  podOwner,
  runsUsingTemplateBuild,
} from "../../../operator/src/kube/predicates.js";
import { MapCache } from "../helpers/fake-cluster.js";
import { run, templateBuild } from "../helpers/objects.js";

const owned = (kind: string, apiVersion = "gik.dev/v1alpha1", controller = true): V1Job => ({
  metadata: {
    name: "er-a",
    namespace: "gik",
    uid: "uid-job",
    ownerReferences: [{ apiVersion, kind, name: "a", uid: "u", controller }],
  },
});

describe("GenerationChanged", () => {
  it("passes new objects and generation changes, drops the rest, and forgets deleted objects", () => {
    const filter = new GenerationChanged();
    const at = (generation: number) => ({ metadata: { name: "a", namespace: "gik", generation } });
    expect([filter.accept(at(1)), filter.accept(at(1)), filter.accept(at(2)), filter.accept(at(2))]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    filter.forget(at(2));
    expect(filter.accept(at(2))).toBe(true);
  });
});

describe("controllerOwner", () => {
  it.each([
    {
      name: "EcmwfRun controller",
      job: owned("EcmwfRun"),
      kind: "EcmwfRun",
      key: { namespace: "gik", name: "a" },
    },
    { name: "other kind", job: owned("TemplateBuild"), kind: "EcmwfRun", key: undefined },
    {
      name: "not controller",
      job: owned("EcmwfRun", "gik.dev/v1alpha1", false),
      kind: "EcmwfRun",
      key: undefined,
    },
    { name: "other group", job: owned("EcmwfRun", "example.com/v1"), kind: "EcmwfRun", key: undefined },
    {
      name: "no owners",
      job: { metadata: { name: "x", namespace: "gik" } },
      kind: "EcmwfRun",
      key: undefined,
    },
  ])("$name", ({ job, kind, key }) => {
    expect(controllerOwner(job, kind)).toEqual(key);
  });
});

describe("podOwner", () => {
  it("maps a pod to the run owning its Job through the Job cache", () => {
    const jobs = new MapCache<V1Job>();
    jobs.put(owned("EcmwfRun"));
    const pod: V1Pod = {
      metadata: {
        name: "er-a-0-xyz",
        namespace: "gik",
        ownerReferences: [
          { apiVersion: "batch/v1", kind: "Job", name: "er-a", uid: "uid-job", controller: true },
        ],
      },
    };
    expect(podOwner(pod, jobs, "EcmwfRun")).toEqual({ namespace: "gik", name: "a" });
    expect(podOwner(pod, jobs, "TemplateBuild")).toBeUndefined();
    expect(podOwner(pod, new MapCache<V1Job>(), "EcmwfRun")).toBeUndefined();
  });
});

describe("runsUsingTemplateBuild", () => {
  it("finds the runs of the same namespace naming the TemplateBuild", () => {
    const runs = new MapCache<ReturnType<typeof run>>();
    runs.put(run({}, { name: "uses" }));
    runs.put(
      run({ templates: { store: "s3://gik-templates/x", referenceDate: "20240529" } }, { name: "store" }),
    );
    runs.put(run({ templates: { templateBuild: "other" } }, { name: "other" }));
    runs.put(run({}, { name: "elsewhere", namespace: "team-b" }));
    expect(runsUsingTemplateBuild(templateBuild(), runs)).toEqual([{ namespace: "gik", name: "uses" }]);
  });
});
