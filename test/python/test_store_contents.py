"""Every store of a run opens in xarray and every data chunk is exactly what ecCodes decodes from
the message it references.

Environment (set by test/job-image/interop/*.int.test.ts):
  GIK_STORES   directory (or s3:// prefix, see gik_readers) holding {member}.parquet or
               {member}.json stores of one run
  GIK_MEMBERS  comma-separated members to check
  GIK_DECODE_MEMBERS  optional: the members whose chunks are read and compared with ecCodes; the
               others are opened and their structure and references checked (default: all)
  GIK_OPEN_CONSOLIDATED  "1" to open with consolidated=True (zarr-python 3)
  GIK_EXPECT   JSON: {"steps": [...], "levels": {"t/instant/isobaricInhPa": [500, 850], ...},
               "absent": {"mx2t3/max/heightAboveGround": [0, 150, ...]}}
"""
import os

import numpy as np
import pytest
import xarray as xr

from gik_readers import (
    data_groups,
    decode_message,
    env_json,
    env_list,
    exists,
    open_field_alone,
    open_store,
    references,
    sample_groups,
)

STORES = os.environ.get("GIK_STORES", "")
MEMBERS = env_list("GIK_MEMBERS")
DECODE = set(env_list("GIK_DECODE_MEMBERS")) if "GIK_DECODE_MEMBERS" in os.environ else set(MEMBERS)
EXPECT = env_json("GIK_EXPECT") if "GIK_EXPECT" in os.environ else {}
# DESIGN.md opens with consolidated=False (the reader environment, zarr-python 2); zarr-python 3
# finds nested groups only through the consolidated metadata gik's stores carry.
CONSOLIDATED = os.environ.get("GIK_OPEN_CONSOLIDATED") == "1"


def store_path(member):
    for ext in ("parquet", "json"):
        p = f"{STORES.rstrip('/')}/{member}.{ext}"
        if exists(p):
            return p
    raise AssertionError(f"no store for {member} in {STORES}")


def member_number(member):
    return 0 if member == "control" else int(member[3:])


@pytest.mark.parametrize("member", MEMBERS)
def test_store_opens_and_every_chunk_is_what_eccodes_decodes(member):
    path = store_path(member)
    dt = open_store(path, consolidated=CONSOLIDATED)
    refs = references(path)
    steps_h = [int(s) for s in EXPECT["steps"]]
    groups = data_groups(dt)
    assert groups, f"{path}: no data variables"
    # The README's snippet for one field opens its group alone: the same dataset as the tree's.
    for group, _var in sample_groups(dt):
        xr.testing.assert_identical(open_field_alone(path, group), dt[group].to_dataset())
    checked = 0
    for group, var in groups:
        ds = dt[group].ds
        da = ds[var]
        # 85 steps (or the run's count) on every group, as hours
        assert list((ds["step"].values / np.timedelta64(1, "h")).astype(int)) == steps_h, f"{group}: steps"
        assert int(ds.sizes["time"]) == 1
        # number is the member everywhere
        assert np.all(ds["number"].values == member_number(member)), f"{group}: number"
        level_name = group.split("/")[2]
        if group in EXPECT.get("levels", {}):
            assert level_name in da.dims, f"{group}: {level_name} is not a dimension"
            assert list(ds[level_name].values) == EXPECT["levels"][group], f"{group}: levels"
        decode = member in DECODE
        values = da.values if decode else None  # (time, step, [level], lat, lon)
        level_dim = level_name in da.dims
        n_levels = ds.sizes[level_name] if level_dim else 1
        absent = set(EXPECT.get("absent", {}).get(group, []))
        for s, step in enumerate(steps_h):
            for lv in range(n_levels):
                key = f"{group}/{var}/0.{s}.{lv}.0.0" if level_dim else f"{group}/{var}/0.{s}.0.0"
                if not decode:
                    assert (key in refs) != (step in absent), f"{key}: a reference iff the field exists"
                    continue
                got = values[0, s, lv] if level_dim else values[0, s]
                if step in absent:
                    assert key not in refs, f"{key}: a reference where the field does not exist"
                    assert np.all(np.isnan(got)), f"{key}: absent field must read as NaN"
                    continue
                ref = refs[key]
                url, offset, size = ref
                truth, keys = decode_message(url, offset, size)
                assert keys["endStep"] == step, f"{key}: references step {keys['endStep']}"
                assert keys["perturbationNumber"] == member_number(member), f"{key}: references member {keys['perturbationNumber']}"
                assert np.array_equal(got, truth), f"{key}: decoded values differ from ecCodes"
                checked += 1
    assert checked > 0 or not decode
