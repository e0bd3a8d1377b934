"""S3 settings shared by the bench's Python peers: the bench's MinIO (through its latency proxy),
named by the usual AWS variables the bench sets (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_REGION)."""
import json
import os
import sys
import time


def s3fs_options():
    """fsspec/s3fs storage options for the bench's S3 endpoint."""
    return {
        "key": os.environ["AWS_ACCESS_KEY_ID"],
        "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
        "client_kwargs": {
            "endpoint_url": os.environ["AWS_ENDPOINT_URL"],
            "region_name": os.environ.get("AWS_REGION", "us-east-1"),
        },
    }


def step_file(root, date, step, kind="enfo-ef"):
    """URL of a 00 UTC step file (GRIB) of the 0.25 deg tree, as on s3://ecmwf-forecasts."""
    stream = "enfo" if kind == "enfo-ef" else "oper"
    return f"{root}/{date}/00z/ifs/0p25/{stream}/{date}000000-{step}h-{kind}.grib2"


def index_of(grib_url):
    return grib_url[: -len(".grib2")] + ".index"


def report(result):
    """The one JSON line the bench reads from stdout."""
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


class Stopwatch:
    """Seconds spent in named phases (perf_counter)."""

    def __init__(self):
        self.seconds = {}

    def time(self, name):
        watch = self

        class _Phase:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                watch.seconds[name] = watch.seconds.get(name, 0.0) + time.perf_counter() - self.t

        return _Phase()
