/**
 * What a commit pod reports of its commit (`job/entrypoint.ts` `commitReport`): each part's outcome
 * as the operator shows it, the phase the exit code goes with, and a commit that threw.
 */
import { describe, expect, it } from "vitest";
import { CollectionError, StorageError } from "../../../job-image/src/api/index.js";
import { commitReport } from "../../../job-image/src/job/entrypoint.js";

const times = { startTime: "2025-01-01T06:00:00Z", completionTime: "2025-01-01T06:00:09Z" };
const ensembleUrl = "s3://gik-out/20250101/00z/ensemble.parquet";
const collectionUrl = "s3://gik-out/collection";

describe("commitReport", () => {
  it("an ensemble written without a failed member and an append: Succeeded, the slot of the new version", () => {
    const report = commitReport(
      {
        ensemble: { status: "written", url: ensembleUrl, refs: 41_821, failed: ["ens07"] },
        collection: {
          status: "appended",
          url: collectionUrl,
          slot: 3,
          slots: 4,
          detail: "12 objects written",
        },
      },
      times,
    );
    expect(report).toEqual({
      kind: "gik-commit-report",
      phase: "Succeeded",
      ensemble: { status: "written", url: ensembleUrl, failed: ["ens07"] },
      collection: {
        status: "appended",
        url: collectionUrl,
        slot: 3,
        slots: 4,
        message: "12 objects written",
      },
      ...times,
    });
  });

  it("a run already in the collection with the same inputs: no slot", () => {
    const report = commitReport(
      {
        collection: {
          status: "unchanged",
          url: collectionUrl,
          slot: -1,
          slots: -1,
          detail: "the run is there",
        },
      },
      times,
    );
    expect(report.phase).toBe("Succeeded");
    expect(report.collection).toEqual({
      status: "unchanged",
      url: collectionUrl,
      message: "the run is there",
    });
  });

  it("a part that failed: Failed, its error in the part", () => {
    const report = commitReport(
      {
        ensemble: { status: "written", url: ensembleUrl, refs: 10, failed: [] },
        collection: {
          status: "failed",
          url: collectionUrl,
          error: new CollectionError(collectionUrl, "the collection holds the cycles 0z, not 12z"),
        },
      },
      times,
    );
    expect(report.phase).toBe("Failed");
    expect(report.collection).toEqual({
      status: "failed",
      url: collectionUrl,
      message: `${collectionUrl}: the collection holds the cycles 0z, not 12z`,
    });
  });

  it("a commit that threw: Failed, the error's tag and message", () => {
    const report = commitReport(new StorageError(ensembleUrl, 403, "access denied"), times);
    expect(report).toEqual({
      kind: "gik-commit-report",
      phase: "Failed",
      reason: "StorageError",
      message: `${ensembleUrl}: access denied (HTTP 403)`,
      ...times,
    });
    expect(commitReport(new Error("boom"), times)).toMatchObject({ reason: "Error", message: "boom" });
  });
});
