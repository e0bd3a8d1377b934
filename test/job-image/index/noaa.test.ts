import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { IndexParseError } from "../../../job-image/src/errors.js";
import { parseNoaaIdx } from "../../../job-image/src/index/noaa.js";

const fixtureUrl = (name: string): URL => new URL(`../../fixtures/real/noaa/${name}`, import.meta.url);
const fixture = (name: string): string => readFileSync(fixtureUrl(name), "utf8");

function thrown(fn: () => unknown): IndexParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IndexParseError);
    return err as IndexParseError;
  }
  throw new Error("expected an IndexParseError, nothing was thrown");
}

describe("parseNoaaIdx on real wgrib2 inventories", () => {
  it.each([
    {
      file: "20250801-geavg.t00z.pgrb2s.0p25.f000.idx",
      lines: 26,
      first: "VIS:surface:anl:ens mean",
      ens: "ens mean",
    },
    {
      file: "20250801-geavg.t00z.pgrb2s.0p25.f009.idx",
      lines: 38,
      first: "VIS:surface:9 hour fcst:ens mean",
      ens: "ens mean",
    },
    {
      file: "20250801-gec00.t00z.pgrb2a.0p50.f432.idx",
      lines: 85,
      first: "HGT:10 mb:432 hour fcst:ENS=low-res ctl",
      ens: "ENS=low-res ctl",
    },
    {
      file: "20250801-gec00.t00z.pgrb2b.0p50.f003.idx",
      lines: 505,
      first: "PRES:mean sea level:3 hour fcst:ENS=low-res ctl",
      ens: "ENS=low-res ctl",
    },
    {
      file: "20250801-gep01.t00z.pgrb2s.0p25.f015.idx",
      lines: 38,
      first: "VIS:surface:15 hour fcst:ENS=+1",
      ens: "ENS=+1",
    },
    {
      file: "20250801-gfs.t00z.pgrb2.0p25.f000.idx",
      lines: 696,
      first: "PRMSL:mean sea level:anl:",
      ens: undefined,
    },
    {
      file: "gfswave.t18z.atlocn.0p16.f001.grib2.idx",
      lines: 19,
      first: "WIND:surface:1 hour fcst:",
      ens: undefined,
    },
  ])("$file: $lines entries", ({ file, lines, first, ens }) => {
    const text = fixture(file);
    const entries = parseNoaaIdx(text, file);
    expect(entries).toHaveLength(lines);
    expect(entries[0]!.attrs).toBe(first);
    expect(entries[0]!.ens).toBe(ens);

    const raw = text.trimEnd().split("\n");
    entries.forEach((e, i) => {
      const [n, offset, date, variable, level, forecast] = raw[i]!.split(":");
      expect(e).toMatchObject({ message: Number(n), offset: Number(offset), variable, level, forecast });
      expect(`d=${e.date}`).toBe(date);
      expect(e.attrs).toBe(raw[i]!.split(":").slice(3).join(":"));
      expect(e.line).toBe(i + 1);
      const next = entries[i + 1];
      expect(e.length).toBe(next === undefined ? undefined : next.offset - e.offset);
    });
  });

  it("agrees with kerchunk's parse_grib_idx on the GFS-Wave pair (values from kerchunk 0.2.10)", () => {
    const file = "gfswave.t18z.atlocn.0p16.f001.grib2";
    const entries = parseNoaaIdx(
      fixture(`${file}.idx`),
      `${file}.idx`,
      readFileSync(fixtureUrl(file)).length,
    );
    const pick = (i: number) => [entries[i]!.offset, entries[i]!.length, entries[i]!.attrs];
    expect(pick(0)).toEqual([0, 41723, "WIND:surface:1 hour fcst:"]);
    expect(pick(1)).toEqual([41723, 58804, "WDIR:surface:1 hour fcst:"]);
    expect(pick(17)).toEqual([612119, 45032, "SWDIR:2 in sequence:1 hour fcst:"]);
    expect(pick(18)).toEqual([657151, 33049, "SWDIR:3 in sequence:1 hour fcst:"]);
  });

  it("gives ranges that are whole GRIB messages of the GFS-Wave file", () => {
    const grib = readFileSync(fixtureUrl("gfswave.t18z.atlocn.0p16.f001.grib2"));
    const entries = parseNoaaIdx(
      fixture("gfswave.t18z.atlocn.0p16.f001.grib2.idx"),
      "gfswave.idx",
      grib.length,
    );
    expect(entries).toHaveLength(19);
    for (const e of entries) {
      const bytes = grib.subarray(e.offset, e.offset + e.length!);
      expect(bytes.length).toBe(e.length);
      expect(bytes.subarray(0, 4).toString("latin1"), `message ${e.message} start`).toBe("GRIB");
      expect(bytes.subarray(-4).toString("latin1"), `message ${e.message} end`).toBe("7777");
      // Section 0 says the same length (8-byte total length at bytes 8–15, edition 2).
      expect(Number(bytes.readBigUInt64BE(8))).toBe(e.length);
    }
  });

  it("lets fields of one multi-field message share its offset and length", () => {
    const text = [
      "1:0:d=2025080100:PRMSL:mean sea level:anl:",
      "2.1:100:d=2025080100:UGRD:10 m above ground:anl:",
      "2.2:100:d=2025080100:VGRD:10 m above ground:anl:",
      "3:250:d=2025080100:TMP:2 m above ground:anl:",
    ].join("\n");
    const entries = parseNoaaIdx(text, "multi.idx", 400);
    expect(entries.map((e) => [e.message, e.submessage, e.offset, e.length])).toEqual([
      [1, undefined, 0, 100],
      [2, 1, 100, 150],
      [2, 2, 100, 150],
      [3, undefined, 250, 150],
    ]);
  });
});

describe("parseNoaaIdx refuses what it cannot read, naming file and line", () => {
  const good = [
    "1:0:d=2025080100:PRMSL:mean sea level:anl:",
    "2:892922:d=2025080100:CLMR:1 hybrid level:anl:",
    "3:1022460:d=2025080100:ICMR:1 hybrid level:anl:",
  ];
  const withLine = (n: number, text: string): string =>
    good.map((l, i) => (i === n - 1 ? text : l)).join("\n");

  it.each([
    {
      name: "too few fields",
      text: withLine(2, "2:892922"),
      line: 2,
      says: 'expected "n:offset:d=YYYYMMDDHH:VAR:LEVEL:TIME"',
    },
    {
      name: "no forecast field",
      text: withLine(2, "2:892922:d=2025080100:CLMR:1 hybrid level"),
      line: 2,
      says: 'expected "VAR:LEVEL:TIME"',
    },
    {
      name: "a bad message number",
      text: withLine(1, good[0]!.replace("1:", "x:")),
      line: 1,
      says: "message number",
    },
    {
      name: "a bad offset",
      text: withLine(2, good[1]!.replace("892922", "89-2922")),
      line: 2,
      says: "offset must be a non-negative integer",
    },
    {
      name: "a bad date",
      text: withLine(3, good[2]!.replace("d=2025080100", "d=20250801")),
      line: 3,
      says: "d=YYYYMMDDHH",
    },
    {
      name: "offsets going back",
      text: withLine(3, good[2]!.replace("1022460", "5")),
      line: 3,
      says: "does not come after offset 892922 of line 2",
    },
    {
      name: "a duplicate attrs",
      text: withLine(3, good[1]!.replace("2:892922", "3:1022460")),
      line: 3,
      says: "already on line 2",
    },
    { name: "a blank line between entries", text: withLine(2, ""), line: 2, says: "empty line" },
  ])("$name", ({ text, line, says }) => {
    const err = thrown(() => parseNoaaIdx(text, "gfs.f000.idx"));
    expect(err.path).toBe("gfs.f000.idx");
    expect(err.line).toBe(line);
    expect(err.message).toContain(`gfs.f000.idx:${line}: `);
    expect(err.message).toContain(says);
  });

  it("refuses a file size that ends before the last message starts", () => {
    const err = thrown(() => parseNoaaIdx(good.join("\n"), "gfs.f000.idx", 1022460));
    expect(err.line).toBe(3);
    expect(err.message).toContain("at or past the end of the GRIB file (1022460 bytes)");
  });

  it("ignores blank lines at the end", () => {
    expect(parseNoaaIdx(`${good.join("\n")}\n\n`, "x", 2_000_000)).toEqual(
      parseNoaaIdx(good.join("\n"), "x", 2_000_000),
    );
  });
});
