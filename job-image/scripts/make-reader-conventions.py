#!/usr/bin/env python3
"""Write job-image/src/templates/reader-conventions.json: the conventions kerchunk's scan_grib and
grib_tree follow when they describe a GRIB message to xarray, taken from cfgrib (which they use):

- coordinateAttributes: cfgrib.dataset.COORD_ATTRS (attributes of latitude, step, isobaricInhPa, ...)
- dataAttributeKeys: the ecCodes keys copied as GRIB_<key> onto a data variable, in cfgrib's order
  (DATA_ATTRIBUTES_KEYS + EXTRA_DATA_ATTRIBUTES_KEYS + GRID_TYPE_MAP["regular_ll"])
- missingValue: the value cfgrib sets as ecCodes' missingValue before reading (GRIB_missingValue)

Run with the reader venv:  python job-image/scripts/make-reader-conventions.py
"""
import json
import os

import cfgrib
import cfgrib.dataset as dataset
import cfgrib.messages as messages

out = {
    "generator": "job-image/scripts/make-reader-conventions.py",
    "cfgrib": cfgrib.__version__,
    "coordinateAttributes": dataset.COORD_ATTRS,
    "dataAttributeKeys": list(dataset.DATA_ATTRIBUTES_KEYS)
    + list(dataset.EXTRA_DATA_ATTRIBUTES_KEYS)
    + list(dataset.GRID_TYPE_MAP["regular_ll"]),
    "missingValue": float(messages.MISSING_VAUE_INDICATOR),
}
path = os.path.join(os.path.dirname(__file__), "..", "src", "templates", "reader-conventions.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(f"wrote {os.path.normpath(path)}")
