#!/usr/bin/env python3
"""What ecCodes says about every message of GRIB files: the keys gik's header reader derives
(GribKeys and the grid of src/grib/types.ts), as JSON, for the tests to compare with.

    eccodes_keys.py FILE...                 JSON on stdout: {"eccodes": version, "files": [...]}
    eccodes_keys.py --write-golden FILE...  writes FILE.eccodes.json beside each file

Each file record: {"file": basename, "messages": [{"offset", "totalLength", "keys": {...}}]}.
A key ecCodes does not define for a message is null; a missing value (all bits set) is
"MISSING". Values keep ecCodes' native type (int, float, str).
"""

import json
import os
import sys

import eccodes

KEYS = """edition totalLength centre centreDescription subCentre discipline parameterCategory
parameterNumber paramId shortName cfVarName cfName name units typeOfLevel level stepType stepRange
startStep endStep stepUnits number dataType totalNumber dataDate dataTime
productDefinitionTemplateNumber dataRepresentationTemplateNumber bitsPerValue numberOfValues
marsClass marsType marsStream experimentVersionNumber NV
gridDefinitionTemplateNumber gridType Ni Nj latitudeOfFirstGridPointInDegrees
longitudeOfFirstGridPointInDegrees latitudeOfLastGridPointInDegrees
longitudeOfLastGridPointInDegrees iDirectionIncrementInDegrees jDirectionIncrementInDegrees
iScansNegatively jScansPositively jPointsAreConsecutive uvRelativeToGrid numberOfPoints shapeOfTheEarth""".split()


def value(handle, key):
    if not eccodes.codes_is_defined(handle, key):
        return None
    if eccodes.codes_is_missing(handle, key):
        return "MISSING"
    return eccodes.codes_get(handle, key)


def messages(path):
    out = []
    with open(path, "rb") as f:
        while True:
            handle = eccodes.codes_grib_new_from_file(f)
            if handle is None:
                return out
            try:
                out.append({
                    "offset": int(eccodes.codes_get(handle, "offset")),
                    "totalLength": eccodes.codes_get(handle, "totalLength"),
                    "keys": {k: value(handle, k) for k in KEYS},
                })
            finally:
                eccodes.codes_release(handle)


def main(argv):
    golden = argv[:1] == ["--write-golden"]
    paths = argv[1:] if golden else argv
    if not paths:
        sys.exit(__doc__)
    records = [{"file": os.path.basename(p), "messages": messages(p)} for p in paths]
    if not golden:
        json.dump({"eccodes": eccodes.__version__, "files": records}, sys.stdout)
        return
    for path, record in zip(paths, records):
        head = {"eccodes": eccodes.__version__, "generator": "test/python/eccodes_keys.py", "file": record["file"]}
        lines = ",\n".join(json.dumps(m, ensure_ascii=False) for m in record["messages"])
        with open(f"{path}.eccodes.json", "w") as f:
            # One message per line: the golden diffs message by message when regenerated.
            f.write(json.dumps(head)[:-1] + ', "messages": [\n' + lines + "\n]}\n")
        print(f"wrote {path}.eccodes.json ({len(record['messages'])} messages)")


if __name__ == "__main__":
    main(sys.argv[1:])
