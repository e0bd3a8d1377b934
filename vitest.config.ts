import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node; `integration` (files named *.int.test.ts) talks to
// real servers (MinIO, fake-gcs-server, toxiproxy, kube-apiserver + etcd + kwok) and the Python
// reader environment, all started once by the global setup and stopped when the run ends.
// The AWS SDK warns once per process under Node 20 that its 2027 releases need Node 22; the
// lockfile pins a release that runs on 20, so the warning is noise in every test's output.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

export default defineConfig({
  test: {
    reporters: ["default", "./test/reporter/file-timing.ts"],
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
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 3_600_000,
        },
      },
    ],
  },
});
