import { describe, expect, it } from "vitest";
import { readExistingStore, storeRecord, writeStore } from "../../../job-image/src/stages/write-store.js";
import { memoryStore } from "../../../job-image/src/storage/memory.js";

const refs = { version: 1 as const, refs: { ".zgroup": '{"zarr_format":2}', "x/.zarray": "{}" } };
const record = storeRecord({ member: "control", run: { date: "20250101", cycle: 0 } });

describe("what is published at a store's key", () => {
  it.each(["parquet", "json"] as const)(
    "reads the record of a %s store gik wrote, and none where nothing is",
    async (format) => {
      const out = memoryStore("out");
      expect(await readExistingStore(out, "a", format)).toEqual({ state: "none" });
      await writeStore(refs, { key: "a", format, record: record as never }, out);
      expect(await readExistingStore(out, "a", format)).toEqual({ state: "published", record });
    },
  );

  it("tells a cut-short .zmetadata from no store, naming the object", async () => {
    const out = memoryStore("out");
    await writeStore(refs, { key: "a", format: "parquet", record: record as never }, out);
    const whole = (await out.get("a/.zmetadata"))!;
    await out.put("a/.zmetadata", whole.subarray(0, 20));
    const existing = await readExistingStore(out, "a", "parquet");
    expect(existing.state).toBe("corrupt");
    expect(existing).toMatchObject({
      reason: expect.stringMatching(/^mem:\/\/out\/a\/\.zmetadata is not JSON \(/),
    });
  });

  it("tells metadata without gik's record (another tool's store) from one of gik's", async () => {
    const out = memoryStore("out");
    await out.put("a.json", new TextEncoder().encode('{"version":1,"refs":{}}'));
    expect(await readExistingStore(out, "a.json", "json")).toEqual({
      state: "corrupt",
      reason: "mem://out/a.json holds no gik record of the inputs",
    });
  });
});
