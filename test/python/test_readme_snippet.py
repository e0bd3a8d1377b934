"""Runs a Python snippet of the README as a scientist would paste it, with the store's URL and
reading options replaced by the test's (GIK_SNIPPET_REPLACE: JSON {text: replacement}; the string
@S3_OPTIONS@ in a replacement stands for the test S3 server's options, see gik_readers). What it
prints goes to GIK_SNIPPET_OUTPUT."""
import contextlib
import io
import json
import os

from gik_readers import s3_options


def test_snippet_runs():
    code = os.environ["GIK_SNIPPET"]
    for old, new in json.loads(os.environ.get("GIK_SNIPPET_REPLACE", "{}")).items():
        assert old in code, f"the snippet no longer contains {old!r}"
        code = code.replace(old, new.replace("@S3_OPTIONS@", repr(s3_options())))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    with open(os.environ["GIK_SNIPPET_OUTPUT"], "w") as f:
        f.write(printed.getvalue())
    assert printed.getvalue(), "the snippet printed nothing"
