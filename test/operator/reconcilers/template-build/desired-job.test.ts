import { describe, expect, it } from "vitest";
import { JOB_SPEC_ANNOTATION } from "../../../../job-image/src/api/index.js";
import { desiredTemplateBuildJob } from "../../../../operator/src/reconcilers/template-build/desired-job.js";
import { defaults, templateBuild } from "../../helpers/objects.js";

describe("desiredTemplateBuildJob", () => {
  it("one index per shard running gik job with the build's contract, controlled by the TemplateBuild, without API access", () => {
    const job = desiredTemplateBuildJob(
      templateBuild({ shards: 4, members: ["control", "ens01"] }),
      defaults,
    );
    const container = job.spec!.template.spec!.containers[0]!;
    expect(job.metadata).toMatchObject({
      name: "tb-tb-20240529",
      labels: { "gik.dev/template-build": "tb-20240529", "app.kubernetes.io/component": "templates" },
      ownerReferences: [{ kind: "TemplateBuild", name: "tb-20240529", uid: "uid-tb", controller: true }],
    });
    expect(job.spec).toMatchObject({
      completionMode: "Indexed",
      completions: 4,
      parallelism: 4,
      backoffLimitPerIndex: 2,
    });
    expect(job.spec!.podFailurePolicy!.rules[0]).toMatchObject({
      action: "FailIndex",
      onExitCodes: { values: [2] },
    });
    expect(container.args).toEqual(["job", "--log-format", "json"]);
    const contract = {
      kind: "TemplateBuild",
      referenceRun: { date: "20240529", cycle: 0 },
      members: ["control", "ens01"],
      source: "s3://ecmwf-forecasts",
      store: "s3://gik-templates/20240529",
      shards: 4,
    };
    expect(container.env).toEqual([{ name: "GIK_JOB_SPEC", value: JSON.stringify(contract) }]);
    expect(JSON.parse(job.metadata!.annotations![JOB_SPEC_ANNOTATION]!)).toEqual(contract);
    expect(job.spec!.template.spec!.automountServiceAccountToken).toBe(false);
  });

  it("defaults to one shard and never runs more shards at once than there are", () => {
    expect(desiredTemplateBuildJob(templateBuild({ shards: undefined }), defaults).spec).toMatchObject({
      completions: 1,
      parallelism: 1,
    });
    expect(
      desiredTemplateBuildJob(templateBuild({ shards: 3, parallelism: 10 }), defaults).spec!.parallelism,
    ).toBe(3);
  });
});
