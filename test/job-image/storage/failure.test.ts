import { describe, expect, it } from "vitest";
import { gcsFailure } from "../../../job-image/src/storage/gcs.js";
import { s3Failure } from "../../../job-image/src/storage/s3.js";

/** Errors shaped like the SDKs' (AWS SDK v3 service exceptions, Node socket errors, GCS ApiError). */
const aws = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const socket = (code: string) => Object.assign(new Error(code), { code });

describe("s3Failure", () => {
  it.each([
    { err: aws("SlowDown", 503), expected: { status: 503, code: "SlowDown", retryable: true } },
    { err: aws("InternalError", 500), expected: { status: 500, code: "InternalError", retryable: true } },
    { err: aws("AccessDenied", 403), expected: { status: 403, code: "AccessDenied", retryable: false } },
    { err: aws("NoSuchKey", 404), expected: { status: 404, code: "NoSuchKey", retryable: false } },
    { err: aws("InvalidRange", 416), expected: { status: 416, code: "InvalidRange", retryable: false } },
    { err: socket("ECONNRESET"), expected: { code: "ECONNRESET", retryable: true } },
    { err: socket("EPIPE"), expected: { code: "EPIPE", retryable: true } },
    {
      err: Object.assign(new Error("socket timed out"), { name: "TimeoutError" }),
      expected: { code: "TimeoutError", retryable: true },
    },
    { err: socket("ENOTFOUND"), expected: { code: "ENOTFOUND", retryable: false } },
    { err: new Error("no idea"), expected: { retryable: false } },
  ])("$err.message → $expected", ({ err, expected }) => {
    expect(s3Failure(err)).toEqual(expected);
  });
});

describe("gcsFailure", () => {
  it.each([
    { err: socket("x"), code: 503, expected: { status: 503, retryable: true } },
    { err: socket("x"), code: 429, expected: { status: 429, retryable: true } },
    { err: socket("x"), code: 403, expected: { status: 403, retryable: false } },
    { err: socket("ECONNRESET"), code: undefined, expected: { code: "ECONNRESET", retryable: true } },
    {
      err: Object.assign(new TypeError("fetch failed"), { cause: socket("UND_ERR_SOCKET") }),
      code: undefined,
      expected: { code: "UND_ERR_SOCKET", retryable: true },
    },
  ])("code $code, $err.message → $expected", ({ err, code, expected }) => {
    const error = code === undefined ? err : Object.assign(err, { code });
    expect(gcsFailure(error)).toEqual(expected);
  });
});
