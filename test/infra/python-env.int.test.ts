import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { pythonPath } from "../helpers/python.js";

const infra = inject("infra");
// One real AIFS-ENS control message, t at 500 hPa (provenance in test/fixtures/PROVENANCE.tsv).
const GRIB = fileURLToPath(
  new URL("../fixtures/real/ecmwf/20260310000000-0h-aifs-ens-enfo-cf.t500.grib2", import.meta.url),
);

const DECODE = `
import json, sys
import eccodes, kerchunk, kerchunk.grib2
with open(sys.argv[1], "rb") as f:
    h = eccodes.codes_grib_new_from_file(f)
    keys = {k: eccodes.codes_get(h, k) for k in ("shortName", "typeOfLevel", "level", "dataDate", "dataTime", "type", "stream", "Ni", "Nj")}
    values = eccodes.codes_get_values(h)
    eccodes.codes_release(h)
print(json.dumps({"kerchunk": kerchunk.__version__, "eccodes": eccodes.codes_get_api_version(),
                  "keys": keys, "count": int(values.size), "min": float(values.min()), "max": float(values.max())}))
`;

describe("the Python environments", () => {
  it("hand out the reader environment to the helpers", () => {
    expect(infra.python).toBe(process.env.GIK_PYTHON || pythonPath());
  });

  it.each([
    ["reader", () => infra.python, "0.2.7"],
    ["peers", () => infra.pythonPeers, "0.2.10"],
  ])("%s: imports kerchunk and decodes a real GRIB message with ecCodes", async (_name, python, kerchunk) => {
    const { stdout } = await promisify(execFile)(python(), ["-c", DECODE, GRIB], { timeout: 120_000 });
    const decoded = JSON.parse(stdout);
    expect(decoded.kerchunk).toBe(kerchunk);
    expect(decoded.eccodes).toBe("2.50.0");
    expect(decoded.keys).toEqual({
      shortName: "t",
      typeOfLevel: "isobaricInhPa",
      level: 500,
      dataDate: 20260310,
      dataTime: 0,
      type: "cf",
      stream: "enfo",
      Ni: 1440,
      Nj: 721,
    });
    expect(decoded.count).toBe(1440 * 721);
    // Temperatures at 500 hPa lie well inside 200–290 K everywhere on Earth.
    expect(decoded.min).toBeGreaterThan(200);
    expect(decoded.max).toBeLessThan(290);
  });
});
