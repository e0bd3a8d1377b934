"""One member of a target run through kerchunk's map_from_index path, templates ready: for every
step, the step's fresh index read with pandas (ECMWF JSON lines, see ecmwf_index.py), cut to the
member, and joined with the member's template for that step by kerchunk's own map_from_index. The
templates are gik's (same files, read with pandas); their first thirteen columns are
build_idx_grib_mapping's, with `step` in hours and times in epoch seconds, converted here to the
Timedelta/Timestamp kerchunk computes with.

Not included: turning the mapped index into a store (kerchunk's reinflate_grib_store and writing
parquet), which gik's timing includes.

Usage: kerchunk_member.py --root s3://ecmwf-forecasts --templates s3://gik-bench/templates
       --date YYYYMMDD --reference YYYYMMDD --member ens01 --steps 0,3,...
Prints one JSON line: rows mapped, rows without a template, seconds per phase."""
import argparse
import logging
import warnings

import pandas as pd
from kerchunk._grib_idx import map_from_index

from bench_s3 import Stopwatch, report, s3fs_options, step_file
from ecmwf_index import read_ecmwf_index

logging.getLogger("kerchunk").setLevel(logging.ERROR)
warnings.simplefilter("ignore")


def template_url(templates, reference, member, step):
    return f"{templates}/ecmwf/{member}/ecmwf-time-{reference}-{member}-rt{step:03d}.parquet"


def read_mapping(url, so):
    mapping = pd.read_parquet(url, storage_options=so)
    mapping["step"] = pd.to_timedelta(mapping["step"], unit="h")
    mapping["time"] = pd.to_datetime(mapping["time"], unit="s")
    mapping["valid_time"] = pd.to_datetime(mapping["valid_time"], unit="s")
    return mapping


def main():
    ap = argparse.ArgumentParser()
    for name in ("--root", "--templates", "--date", "--reference", "--member", "--steps"):
        ap.add_argument(name, required=True)
    a = ap.parse_args()
    so = s3fs_options()
    number = 0 if a.member == "control" else int(a.member[3:])
    run_time = pd.Timestamp(a.date)
    watch = Stopwatch()
    frames = []
    expected = 0
    for step in (int(s) for s in a.steps.split(",")):
        with watch.time("index"):
            idx = read_ecmwf_index(step_file(a.root, a.date, step), so)
            idx = idx[idx["number"] == number].drop(columns="number")
        with watch.time("templates"):
            mapping = read_mapping(template_url(a.templates, a.reference, a.member, step), so)
        with watch.time("map_from_index"):
            frames.append(map_from_index(run_time, mapping, idx))
        expected += len(idx)
    mapped = pd.concat(frames, ignore_index=True)
    report({"rows": len(mapped), "indexRows": expected, "seconds": watch.seconds})


if __name__ == "__main__":
    main()
