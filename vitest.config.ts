import { defineConfig } from "vitest/config";
import LaneSequencer from "./test/infra/lane-sequencer.js";

// Two projects: `unit` needs nothing but Node; `integration` (files named *.int.test.ts) talks to
// real servers (MinIO, fake-gcs-server, toxiproxy, kube-apiserver + etcd + kwok, Kueue) and the
// Python environments, all started once by the global setup and stopped when the run ends. Its
// files run two at a time, after the unit files: a storage file beside a cluster file, never two
// cluster files at once (test/infra/lanes.ts, held by the setup file test/infra/cluster-lane.ts;
// test/infra/lane-sequencer.ts orders the files so that storage files fill the second worker).
// The AWS SDK warns once per process under Node 20 that its 2027 releases need Node 22; the
// lockfile pins a release that runs on 20, so the warning is noise in every test's output.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

export default defineConfig({
  test: {
    reporters: ["default", "./test/reporter/file-timing.ts"],
    // vitest takes the sequencer from the root config only; it leaves the unit files' order alone.
    sequence: { sequencer: LaneSequencer },
    projects: [
      {
        test: {
          name: "unit",
          env,
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.int.test.ts", "**/node_modules/**"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          env,
          include: ["test/**/*.int.test.ts"],
          globalSetup: ["test/infra/global-setup.ts"],
          setupFiles: ["test/infra/cluster-lane.ts"],
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 600_000,
          hookTimeout: 3_600_000,
        },
      },
    ],
  },
});
