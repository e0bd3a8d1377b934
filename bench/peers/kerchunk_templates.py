"""The original Stage 0 on a sample: kerchunk's build_idx_grib_mapping, timed on the first N
messages of some step files of a reference run, for the bench to extrapolate to the whole run.

build_idx_grib_mapping = _map_grib_file_by_group (scan_grib over the whole GRIB file, then one
grib_tree + xarray open per message) merged on the message number with the parsed index, then
validated (offsets and lengths must agree). Here the scan stops after N messages (scan_grib's
own `skip`), and the index is ECMWF's JSON lines read with pandas (see ecmwf_index.py) since
kerchunk's parse_grib_idx reads NOAA's text format only.

One adjustment, so that kerchunk does on the mirror what it does on the bucket: the mirror's
messages hold constant fields (about 200 bytes each), under the 500-byte threshold below which
MultiZarrToZarr (inside grib_tree) fetches a chunk and inlines it, after which kerchunk reports
the message as an empty group. Real messages (0.1-1 MB) are never inlined, so the threshold is
set to 0 here.

Usage: kerchunk_templates.py --root s3://ecmwf-forecasts --date YYYYMMDD --steps 0,150 --messages 60
Prints one JSON line: messages, matched, seconds per phase."""
import argparse
import functools
import logging
import warnings

import pandas as pd
from kerchunk import grib2
from kerchunk._grib_idx import _extract_single_group
from kerchunk.combine import MultiZarrToZarr

from bench_s3 import Stopwatch, report, s3fs_options, step_file
from ecmwf_index import read_ecmwf_index

grib2.MultiZarrToZarr = functools.partial(MultiZarrToZarr, inline_threshold=0)
logging.getLogger("kerchunk").setLevel(logging.ERROR)
warnings.simplefilter("ignore")


def map_sample(grib_url, messages, so, watch):
    """build_idx_grib_mapping's steps for the first `messages` messages of `grib_url`."""
    with watch.time("index"):
        idx = read_ecmwf_index(grib_url, so)
    with watch.time("scan_grib"):
        groups = grib2.scan_grib(grib_url, storage_options=so, skip=messages)
    with watch.time("extract"):
        frames = [_extract_single_group(g, i, so) for i, g in enumerate(groups, start=1)]
        grib_df = pd.concat([f for f in frames if f is not None]).set_index("idx")
    with watch.time("merge"):
        result = idx.head(len(groups)).merge(grib_df, on="idx", how="left", suffixes=("_idx", "_grib"))
        ok = (result["offset_idx"] == result["offset_grib"]) & (result["length_idx"] == result["length_grib"])
    return len(groups), int(ok.sum()), len(idx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--steps", required=True)
    ap.add_argument("--messages", type=int, required=True)
    a = ap.parse_args()
    so = s3fs_options()
    watch = Stopwatch()
    scanned = matched = index_lines = 0
    steps = [int(s) for s in a.steps.split(",")]
    for step in steps:
        n, ok, lines = map_sample(step_file(a.root, a.date, step), a.messages, so, watch)
        scanned, matched, index_lines = scanned + n, matched + ok, index_lines + lines
    report({"steps": steps, "messages": scanned, "matched": matched, "indexLines": index_lines,
            "indexes": len(steps), "seconds": watch.seconds})


if __name__ == "__main__":
    main()
