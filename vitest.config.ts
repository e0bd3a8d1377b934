import { defineConfig } from "vitest/config";

// Two projects: `unit` needs nothing but Node; `integration` (files named *.int.test.ts) talks to
// real servers (MinIO, fake-gcs-server, toxiproxy, kube-apiserver + etcd + kwok) and the Python
// reader environment, all started once by the global setup and stopped when the run ends.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.int.test.ts", "**/node_modules/**"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
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
