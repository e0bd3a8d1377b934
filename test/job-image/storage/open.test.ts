import { describe, expect, it } from "vitest";
import { UsageError } from "../../../job-image/src/api/errors.js";
import { openStore, splitObjectUrl, storeScheme } from "../../../job-image/src/storage/open.js";

describe("openStore", () => {
  it.each([
    { url: "/data/x", scheme: "file", keyUrl: "/data/x/a/b" },
    { url: "file:///data/x", scheme: "file", keyUrl: "file:///data/x/a/b" },
    { url: "s3://ecmwf-forecasts", scheme: "s3", keyUrl: "s3://ecmwf-forecasts/a/b" },
    { url: "s3://bucket/pre/fix/", scheme: "s3", keyUrl: "s3://bucket/pre/fix/a/b" },
    { url: "gs://ecmwf-open-data/x", scheme: "gs", keyUrl: "gs://ecmwf-open-data/x/a/b" },
    {
      url: "https://data.ecmwf.int/forecasts",
      scheme: "http",
      keyUrl: "https://data.ecmwf.int/forecasts/a/b",
    },
  ])("$url is a $scheme store", ({ url, scheme, keyUrl }) => {
    expect(storeScheme(url)).toBe(scheme);
    expect(openStore(url).url("a/b")).toBe(keyUrl);
  });

  it("refuses an unknown scheme, naming it", () => {
    expect(() => openStore("ftp://host/x")).toThrow(UsageError);
    expect(() => openStore("ftp://host/x")).toThrow(/unsupported scheme "ftp:\/\/"/);
  });

  it.each([
    {
      url: "s3://ecmwf-forecasts/20250101/00z/x.index",
      root: "s3://ecmwf-forecasts",
      key: "20250101/00z/x.index",
    },
    { url: "gs://b/k", root: "gs://b", key: "k" },
    {
      url: "https://data.ecmwf.int/forecasts/x.grib2",
      root: "https://data.ecmwf.int",
      key: "forecasts/x.grib2",
    },
    { url: "/tmp/gik/x.json", root: "/", key: "tmp/gik/x.json" },
    { url: "file:///tmp/gik/x.json", root: "file:///", key: "tmp/gik/x.json" },
  ])("splitObjectUrl($url)", ({ url, root, key }) => {
    expect(splitObjectUrl(url)).toEqual({ root, key });
    expect(openStore(root).url(key)).toBe(url);
  });

  it.each(["s3://bucket", "s3://bucket/", "relative/path"])("splitObjectUrl(%j) names no object", (url) => {
    expect(() => splitObjectUrl(url)).toThrow(UsageError);
  });
});
