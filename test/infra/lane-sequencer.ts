/**
 * The order the integration files are handed to the two workers (`vitest.config.ts`). Workers take
 * the next file as they come free, and a cluster file waits for the lane's lock (`lanes.ts`), so
 * two cluster files in a row would hold both workers while one of them waits. The lanes alternate,
 * each in vitest's order (slowest last time, else largest, first): the n-th storage file runs
 * beside the n-th cluster file, and the cluster lane, the longer, never waits for a storage file.
 *
 * @module
 */
import type { TestSpecification } from "vitest/node";
import { BaseSequencer } from "vitest/node";
import { inClusterLane } from "./lanes.js";

export function laneOrder<T>(sorted: readonly T[], isCluster: (file: T) => boolean): T[] {
  const cluster = sorted.filter(isCluster);
  const storage = sorted.filter((f) => !isCluster(f));
  const order: T[] = [];
  for (let i = 0; i < Math.max(cluster.length, storage.length); i++) {
    if (i < cluster.length) order.push(cluster[i]!);
    if (i < storage.length) order.push(storage[i]!);
  }
  return order;
}

export default class LaneSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // One call sorts every project's files; only the integration files have lanes.
    const sorted = await super.sort(files);
    const integration = (spec: TestSpecification) => spec.moduleId.endsWith(".int.test.ts");
    return [
      ...sorted.filter((spec) => !integration(spec)),
      ...laneOrder(sorted.filter(integration), (spec) =>
        inClusterLane(spec.moduleId, spec.project.config.root),
      ),
    ];
  }
}
