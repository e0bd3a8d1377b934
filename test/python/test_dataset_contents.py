"""An ensemble dataset (a run's ensemble store, or a collection of runs) opens in xarray with the
members along `number` and the runs along `time`, and every data chunk is exactly what ecCodes
decodes from the message it references; a chunk without a reference reads as NaN.

Environment (set by test/job-image/interop/*.int.test.ts):
  GIK_DATASET  the store (a local path or s3:// URL, see gik_readers)
  GIK_OPEN_CONSOLIDATED  "1" to open with consolidated=True (zarr-python 3)
  GIK_EXPECT   JSON: {"times": ["2025-01-01T00", ...], "steps": [...],
               "levels": {"t/instant/isobaricInhPa": [500, 850], ...},
               "present": {"2025-01-01T00": {"members": [0, 1, ...], "groups": {group: [levels]}}},
               (a single-level group present at a time is listed with no levels: `group: []`)
               "absent_steps": {"mx2t3/max/heightAboveGround": [0, 150, ...]}}
               `present` says which members and (group, levels) each time holds; everything else
               must read as NaN.
  GIK_MEMBER_STORES  optional: directory of the run's member stores, which must equal the ensemble
               store along number (xr.concat of the 51 members); those of GIK_CHUNK_MEMBERS are
               compared (opening a member store takes half a second: shards split them too).
  GIK_REMOTE_PROTOCOL  optional: the protocol of the referenced files ("file" for a store in S3 that
               references a local mirror); default: the store's own.
  GIK_CHUNK_MEMBERS  optional: the members (numbers, comma-separated) whose chunks are decoded and
               compared with ecCodes; default all 51.
  GIK_REFERENCE_MEMBERS  optional: the members whose references are checked against the index lines
               of the files they point into (local mirrors), besides GIK_CHUNK_MEMBERS; default all 51.
"""
import functools
import itertools
import json
import os

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from gik_readers import data_groups, decode_message, env_json, open_field_alone, open_store, references, sample_groups

DATASET = os.environ.get("GIK_DATASET", "")
EXPECT = env_json("GIK_EXPECT") if "GIK_EXPECT" in os.environ else {}
CONSOLIDATED = os.environ.get("GIK_OPEN_CONSOLIDATED") == "1"
def members_of(name):
    """The member numbers in the comma-separated variable `name`, or None when it is unset."""
    return {int(m) for m in os.environ[name].split(",")} if os.environ.get(name) else None


CHUNK_MEMBERS = members_of("GIK_CHUNK_MEMBERS")
# Checking a reference is a lookup in the parquet refs and the index; a second reader of the same
# store (zarr-python 3 after 2), or a shard of the members, checks only its own.
REFERENCE_MEMBERS = members_of("GIK_REFERENCE_MEMBERS")
MEMBER_STORES = os.environ.get("GIK_MEMBER_STORES", "")
# What the references point at, when it differs from where the store is (a store in S3 of local files).
REMOTE = os.environ.get("GIK_REMOTE_PROTOCOL")


def member_name(number):
    return "control" if number == 0 else f"ens{number:02d}"


@pytest.fixture(scope="module")
def tree():
    return open_store(DATASET, remote_protocol=REMOTE, consolidated=CONSOLIDATED)


def test_axes(tree):
    times = [pd.Timestamp(t) for t in EXPECT["times"]]
    steps = EXPECT["steps"]
    for group, var in data_groups(tree):
        ds = tree[group].ds
        da = ds[var]
        level = group.split("/")[2]
        dims = ("time", "number", "step") + ((level,) if level in da.dims else ()) + ("latitude", "longitude")
        assert da.dims == dims, f"{group}: {da.dims}"
        assert list(pd.to_datetime(ds["time"].values)) == times, f"{group}: time"
        assert list(ds["number"].values) == list(range(51)), f"{group}: number"
        assert list((ds["step"].values / np.timedelta64(1, "h")).astype(int)) == steps, f"{group}: step"
        # valid_time is time + step, for every run and step
        valid = pd.to_datetime(ds["valid_time"].values.ravel()).values.reshape(len(times), len(steps))
        want = np.array([[t + pd.Timedelta(hours=s) for s in steps] for t in times], dtype="datetime64[ns]")
        assert np.array_equal(valid, want), f"{group}: valid_time"
        if group in EXPECT.get("levels", {}):
            assert list(ds[level].values) == EXPECT["levels"][group], f"{group}: levels"
    # The README's snippet for reading a field opens its group alone: the tree's axes (its data is
    # not read here).
    for group, var in sample_groups(tree):
        alone = open_field_alone(DATASET, group, remote_protocol=REMOTE)
        whole = tree[group].to_dataset()
        assert alone[var].dims == whole[var].dims, f"{group} opened alone: {alone[var].dims}"
        xr.testing.assert_identical(alone.coords.to_dataset(), whole.coords.to_dataset())


def test_every_reference_is_its_message_and_every_chunk_what_eccodes_decodes(tree):
    """Every chunk's reference is the message its index line names for that member, step and level;
    the chunks of GIK_CHUNK_MEMBERS (all by default) decode in xarray to what ecCodes decodes from
    those bytes; every chunk without a message reads as NaN."""
    refs = references(DATASET)
    steps = EXPECT["steps"]
    absent_steps = {g: set(s) for g, s in EXPECT.get("absent_steps", {}).items()}
    members = sorted(CHUNK_MEMBERS) if CHUNK_MEMBERS is not None else list(range(51))
    referenced = decoded = 0
    for group, var in data_groups(tree):
        ds = tree[group].ds
        da = ds[var]
        short_name = da.attrs["GRIB_shortName"]
        level = group.split("/")[2]
        has_level = level in da.dims
        levels = list(ds[level].values) if has_level else [None]
        for t, when in enumerate(EXPECT["times"]):
            present = EXPECT["present"].get(when, {"members": [], "groups": {}})
            sampled = {m: da.isel(time=t, number=m).values for m in members}  # step, [level], lat, lon
            for m in sorted(REFERENCE_MEMBERS | set(members)) if REFERENCE_MEMBERS is not None else range(51):
                for s, step in enumerate(steps):
                    for lv, lvalue in enumerate(levels):
                        index = (t, m, s, lv) if has_level else (t, m, s)
                        key = f"{group}/{var}/{'.'.join(map(str, index))}.0.0"
                        got = None if m not in sampled else (sampled[m][s, lv] if has_level else sampled[m][s])
                        expected = (
                            m in present["members"]
                            and step not in absent_steps.get(group, set())
                            and group in present["groups"]
                            and (lvalue is None or lvalue in present["groups"][group])
                        )
                        if not expected:
                            assert key not in refs, f"{key}: a reference where {when} has no such message"
                            if got is not None:
                                assert np.all(np.isnan(got)), f"{key}: must read as NaN"
                            continue
                        url, offset, size = refs[key]
                        line = index_line(url, offset)
                        assert line is not None, f"{key}: {url}@{offset} is no message of its index"
                        assert line["_length"] == size, f"{key}: length {size}, the index says {line['_length']}"
                        assert int(line.get("number", 0)) == m, f"{key}: references member {line.get('number', 0)}"
                        assert int(line["step"].split("-")[-1]) == step, f"{key}: references step {line['step']}"
                        assert line["param"] == short_name, f"{key}: references {line['param']}"
                        if lvalue is not None:
                            assert float(line["levelist"]) == lvalue, f"{key}: references level {line['levelist']}"
                        referenced += 1
                        if got is None:
                            continue
                        truth, keys = decode_message(url, offset, size)
                        assert (keys["endStep"], keys["perturbationNumber"]) == (step, m), f"{key}: {keys}"
                        assert np.array_equal(got, truth), f"{key}: decoded values differ from ecCodes"
                        decoded += 1
    print(f"{referenced} references checked against their index lines, {decoded} chunks against ecCodes")
    assert decoded > 0


def reference(refs, key):
    """The reference at `key`, or None where the store has none (a chunk that reads as NaN)."""
    try:
        return refs[key]
    except KeyError:
        return None


@functools.lru_cache(maxsize=4096)
def index_lines(url):
    """The lines of the `.index` beside a GRIB file, by offset."""
    path = url.removeprefix("file://")
    with open(path[: -len(".grib2")] + ".index") as f:
        return {line["_offset"]: line for line in map(json.loads, f)}


def index_line(url, offset):
    return index_lines(url).get(offset)


@pytest.mark.skipif(not MEMBER_STORES, reason="no member stores to compare with")
def test_equals_the_member_stores_concatenated_along_number(tree):
    """The ensemble is the 51 member stores along number: the same dimensions and axes, and
    each chunk the same reference as the member's (so the same bytes, whose values the test above
    compares with ecCodes); comparing references instead of decoded values keeps this to seconds."""
    ensemble_refs = references(DATASET)
    for n in sorted(CHUNK_MEMBERS) if CHUNK_MEMBERS is not None else range(51):
        path = f"{MEMBER_STORES.rstrip('/')}/{member_name(n)}.parquet"
        store = open_store(path, consolidated=CONSOLIDATED)
        member_refs = references(path)
        for group, var in data_groups(tree):
            ensemble = tree[group].ds[var].isel(number=n, drop=True)
            member = store[group].ds[var].drop_vars("number")
            assert ensemble.dims == member.dims, f"{group} of {member_name(n)}: dims {member.dims}"
            for name in member.dims:
                if name in member.coords:
                    np.testing.assert_array_equal(ensemble[name].values, member[name].values, err_msg=f"{group}: {name}")
            shape, chunking = member.shape, store[group].ds[var].encoding["chunks"]
            grid = [range(-(-size // chunk)) for size, chunk in zip(shape, chunking)]
            for index in itertools.product(*grid):
                key = f"{group}/{var}/{'.'.join(map(str, index))}"
                twin = f"{group}/{var}/{'.'.join(map(str, (index[0], n, *index[1:])))}"
                ref, theirs = reference(member_refs, key), reference(ensemble_refs, twin)
                assert theirs == ref, f"{twin}: {theirs}, {member_name(n)} has {ref}"
