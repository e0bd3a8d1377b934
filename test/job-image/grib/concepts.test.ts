import { describe, expect, it } from "vitest";
import { bestMatch, type ConceptEntry, type KeyValues } from "../../../job-image/src/grib/concepts.js";

type Lists = ConceptEntry<string>[][];

describe("bestMatch (ecCodes' concept evaluation)", () => {
  it.each<[string, Lists, KeyValues, string | undefined]>([
    [
      "the entry with the most conditions wins",
      [
        [
          ["a", [["x", 1]]],
          [
            "b",
            [
              ["x", 1],
              ["y", 2],
            ],
          ],
          ["c", [["y", 2]]],
        ],
      ],
      { x: 1, y: 2 },
      "b",
    ],
    [
      "a tie goes to the later entry",
      [
        [
          ["a", [["x", 1]]],
          ["b", [["y", 2]]],
        ],
      ],
      { x: 1, y: 2 },
      "b",
    ],
    [
      "a tie goes to the master list, read after the local one",
      [[["local", [["x", 1]]]], [["master", [["x", 1]]]]],
      { x: 1 },
      "master",
    ],
    [
      "a more specific local entry beats the master",
      [
        [
          [
            "local",
            [
              ["x", 1],
              ["y", 2],
            ],
          ],
        ],
        [["master", [["x", 1]]]],
      ],
      { x: 1, y: 2 },
      "local",
    ],
    ["a condition on an undefined key never holds", [[["a", [["z", 1]]]]], { x: 1 }, undefined],
    ["missing() holds for a missing value", [[["m", [["s", null]]]]], { s: null }, "m"],
    ["missing() does not hold for 0", [[["m", [["s", null]]]]], { s: 0 }, undefined],
    [
      "strings compare as strings",
      [
        [
          ["hPa", [["pressureUnits", "hPa"]]],
          ["Pa", [["pressureUnits", "Pa"]]],
        ],
      ],
      { pressureUnits: "hPa" },
      "hPa",
    ],
    ["a one-element array matches one time range", [[["arr", [["t", { array: [2] }]]]]], { t: 2 }, "arr"],
    [
      "a two-element array needs two time ranges",
      [[["arr", [["t", { array: [102, 2] }]]]]],
      { t: 2 },
      undefined,
    ],
    [
      "is_one_of holds when the key's value is listed",
      [[["i", [["true", { isOneOf: ["bp", 1, 3] }]]]]],
      { true: 1, bp: 3 },
      "i",
    ],
    [
      "is_one_of fails when it is not",
      [[["i", [["true", { isOneOf: ["bp", 1, 3] }]]]]],
      { true: 1, bp: 2 },
      undefined,
    ],
    ["an entry without conditions matches anything", [[["any", []]]], {}, "any"],
  ])("%s", (_, lists, keys, expected) => {
    expect(bestMatch(lists, keys)).toBe(expected);
  });
});
