#!/usr/bin/env python3
"""Write the tables gik's GRIB2 header reader derives ecCodes' keys from
(job-image/src/grib/tables/{parameters,concepts,code-tables}.json).

How: the tables are ecCodes' own definition files, read through the installed `eccodes` package
(its `codes_export_resource` tool exports a file of the definitions compiled into the library),
parsed, filtered and written as JSON. Nothing is typed in by hand; the TypeScript side evaluates
these "concepts" the way ecCodes does (src/grib/concepts.ts): an entry matches when all its
conditions hold, the entry with the most conditions wins, a tie goes to the later entry, and the
centre's local file is read before the master file.

What is exported:
- parameters.json: the parameter concepts paramId/shortName/name/units (files `X.def` for
  post-MTG2 messages, `X.lte33.def` for pre-MTG2 ones, `X.legacy.def` as ecCodes' last resort),
  master and local (ecmf, kwbc), plus cfName and cfVarName. Only entries whose discipline,
  parameterCategory and parameterNumber are those of a WANTED parameter are kept, but all of them
  for such a triple, so the best match among them is the best match ecCodes finds. `triples` lists
  the covered (discipline, category, number); the reader refuses any other one. paramId, shortName,
  name and units files are checked to hold the same conditions entry by entry, so one entry carries
  all four values.
- concepts.json: typeOfLevel, MTG2Switch, MTG2SwitchViaTablesVersion and tablesVersionMTG2Switch
  (which decide between the pre- and post-MTG2 parameter files), datasetForLocal (section.4.def)
  and stepTypeInternal (template.4.statistical.def), complete.
- code-tables.json: centres (common/c-11.table), MARS class/type/stream, and code table 1.4
  (typeOfProcessedData, ecCodes' dataType without a local section) for every tablesVersion.

WANTED: every parameter of the ECMWF open-data oper/ENS files (the 48 params of a 2026 ifs/0p25
oper index, the ENS-only windowed extremes and gusts, the 0p4-beta and AIFS extras), and every
parameter of the test fixtures (NCEP GEFS soilw, HRRR tp, GFS-Wave).

Every WANTED parameter is also encoded by ecCodes into test/job-image/grib/fixtures/coverage.grib2
(test/job-image/grib/fixtures/make-coverage.py), which the tests read with gik and with ecCodes.

Run with the reader venv (ecCodes 2.50):  python job-image/scripts/make-grib-tables.py
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import eccodes

CENTRES = ["ecmf", "kwbc"]
WANTED = {
    # ifs/0p25 oper index 2026-10-01 24h (48 params) + ENS extras + 0p4-beta + AIFS single
    "ecmf": """100u 100v 10fg 10u 10v 2d 2t asn d ewss gh lsm mn2t3 msl mucape mx2t3 nsss ptype q r
        ro rsn sd sf sithick skt sot sp ssr ssrd str strd sve svn t tcc tcw tcwv tp tprate ttr u v
        vo vsw w z zos
        mx2t6 mn2t6 10fg3 10fg6 i10fg st cp hcc lcc mcc rowe sdor slor""".split(),
    # GEFS soilw, HRRR tp, GFS-Wave (gfswave.t18z.atlocn.0p16.f001.grib2)
    "kwbc": "tp soilw ws wdir u v swh perpw dirpw shww shts mpww mpts swdir wvdir".split(),
}
PARAM_CONCEPTS = ["paramId", "shortName", "name", "units"]
VARIANTS = [".def", ".lte33.def", ".legacy.def"]
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "grib", "tables")
GENERATOR = "job-image/scripts/make-grib-tables.py"


def export(resource):
    """Text of one ecCodes definition file, or None when ecCodes has no such file."""
    defs = eccodes.codes_definition_path()
    if os.path.isdir(defs):
        path = os.path.join(defs, resource)
        return open(path).read() if os.path.exists(path) else None
    tool = glob.glob(os.path.join(os.path.dirname(sys.modules["eccodes"].__file__), "..", "eccodeslib", "bin",
                                  "codes_export_resource"))
    if not tool:
        sys.exit("cannot read ecCodes' definitions: no directory and no codes_export_resource")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x")
        done = subprocess.run([tool[0], "-d", resource, out], capture_output=True)
        return open(out).read() if done.returncode == 0 else None


TOKEN = re.compile(r"""\s+|\#[^\n]*|'([^']*)'|"([^"]*)"|(-?\d+\.\d+|-?\d+)|([A-Za-z_][A-Za-z0-9_.]*)|([={};\[\](),])""")


def tokens(text):
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot tokenize at {text[pos:pos + 40]!r}")
        pos = m.end()
        sq, dq, num, ident, punct = m.groups()
        if sq is not None or dq is not None:
            yield ("str", sq if sq is not None else dq)
        elif num is not None:
            yield ("num", float(num) if "." in num else int(num))
        elif ident is not None:
            yield ("id", ident)
        elif punct is not None:
            yield ("p", punct)


def parse_concept(text, where):
    """Entries of a concept file (or block): [[value, [[key, condition], ...]], ...] in file order."""
    toks = list(tokens(text))
    i = 0

    def take(kind=None, value=None):
        nonlocal i
        t = toks[i]
        if (kind and t[0] != kind) or (value is not None and t[1] != value):
            raise ValueError(f"{where}: expected {kind} {value!r}, got {t!r} at token {i}")
        i += 1
        return t[1]

    def condition_value():
        kind, v = toks[i]
        if kind in ("num", "str"):
            take()
            return v
        if kind == "p" and v == "[":
            take()
            items = [take("num")]
            while toks[i] == ("p", ","):
                take()
                items.append(take("num"))
            take("p", "]")
            return {"array": items}
        fn = take("id")
        take("p", "(")
        if fn == "missing":
            take("p", ")")
            return None
        if fn == "is_one_of":
            args = [take("id")]
            while toks[i] == ("p", ","):
                take()
                args.append(take("num"))
            take("p", ")")
            return {"isOneOf": args}
        raise ValueError(f"{where}: unsupported function {fn}()")

    entries = []
    while i < len(toks):
        value = take()
        take("p", "=")
        take("p", "{")
        conds = []
        while toks[i] != ("p", "}"):
            key = take("id")
            take("p", "=")
            conds.append([key, condition_value()])
            take("p", ";")
        take("p", "}")
        entries.append([value, conds])
    return entries


def inline_concept(resource, name):
    """The entries of `concept NAME ... { ... }` written inside another definition file."""
    text = export(resource)
    m = re.search(r"concept\s+" + re.escape(name) + r"\b[^{]*\{", text)
    if not m:
        sys.exit(f"{resource}: no concept {name}")
    depth, j = 1, m.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
    return parse_concept(text[m.end():j - 1], f"{resource}:{name}")


def concept_file(resource):
    text = export(resource)
    return None if text is None else parse_concept(text, resource)


def param_files():
    """Every file of the parameter concepts: {path: entries} for master and local, all variants."""
    files = {}
    for concept in PARAM_CONCEPTS + ["cfName", "cfVarName"]:
        for d in ["grib2"] + [f"grib2/localConcepts/{c}" for c in CENTRES]:
            for variant in VARIANTS:
                entries = concept_file(f"{d}/{concept}{variant}")
                if entries is not None:
                    files[f"{d}/{concept}{variant}"] = entries
    return files


def triple(conds, where):
    found = {k: v for k, v in conds if k in ("discipline", "parameterCategory", "parameterNumber")}
    if len(found) != 3 or not all(isinstance(v, int) for v in found.values()):
        sys.exit(f"{where}: entry without a plain discipline/category/number: {conds}")
    return (found["discipline"], found["parameterCategory"], found["parameterNumber"])


def wanted_triples(files):
    names = {n for ns in WANTED.values() for n in ns}
    found, triples = set(), set()
    for path, entries in files.items():
        if "/shortName." not in path:
            continue
        for value, conds in entries:
            if value in names:
                found.add(value)
                triples.add(triple(conds, path))
    missing = names - found
    if missing:
        sys.exit(f"wanted shortNames unknown to ecCodes {eccodes.__version__}: {sorted(missing)}")
    return triples


def joined_parameters(files, triples):
    """paramId/shortName/name/units files merged entry by entry, filtered to `triples`."""
    out = {}
    for path in files:
        if "/paramId." not in path:
            continue
        parts = [files[path.replace("/paramId.", f"/{c}.")] for c in PARAM_CONCEPTS]
        if len({len(p) for p in parts}) != 1:
            sys.exit(f"{path}: paramId/shortName/name/units files differ in length")
        merged = []
        for rows in zip(*parts):
            if any(r[1] != rows[0][1] for r in rows):
                sys.exit(f"{path}: conditions differ between paramId and its names for {rows[0][0]}")
            if triple(rows[0][1], path) in triples:
                merged.append([[int(rows[0][0]), rows[1][0], rows[2][0], rows[3][0]], rows[0][1]])
        out[path.replace("/paramId.", "/parameter.")] = merged
    for path, entries in files.items():
        if "/cfName." in path or "/cfVarName." in path:
            out[path] = [e for e in entries if triple(e[1], path) in triples]
    return out


def code_table(resource):
    """{code: [abbreviation, title]} of an ecCodes code table (`code abbr title (units)` lines)."""
    rows = {}
    for line in (export(resource) or "").splitlines():
        m = re.match(r"^\s*(\d+)\s+(\S+)\s*(.*?)\s*(\([^()]*\))?\s*$", line)
        if m and not line.lstrip().startswith("#"):
            rows[m.group(1)] = [m.group(2), m.group(3)]
    return rows


def dump_lines(data):
    """JSON with one concept entry or table row per line, so that a regeneration diffs readably."""
    def compact(v):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

    def nested(v):
        return isinstance(v, list) and bool(v) and all(isinstance(x, list) for x in v)

    def block(v, indent):
        if isinstance(v, dict) and any(isinstance(x, (dict, list)) for x in v.values()):
            inner = ",\n".join(f"{indent} {compact(k)}: {block(x, indent + ' ')}" for k, x in v.items())
            return "{\n" + inner + "\n" + indent + "}"
        if nested(v):
            return "[\n" + ",\n".join(f"{indent} {compact(x)}" for x in v) + "\n" + indent + "]"
        return compact(v)

    return block(data, "") + "\n"


def main():
    files = param_files()
    triples = wanted_triples(files)
    parameters = {
        "generator": GENERATOR,
        "eccodes": eccodes.__version__,
        "centres": CENTRES,
        "wanted": WANTED,
        "triples": [list(t) for t in sorted(triples)],
        "concepts": joined_parameters(files, triples),
    }
    switch = re.search(r"constant\s+tablesVersionMTG2Switch\s*=\s*(\d+)", export("grib2/section.1.def"))
    concepts = {
        "generator": GENERATOR,
        "eccodes": eccodes.__version__,
        "tablesVersionMTG2Switch": int(switch.group(1)),
        "concepts": {},
    }
    for name in ["typeOfLevelConcept", "MTG2SwitchConcept", "MTG2SwitchViaTablesVersionConcept"]:
        for d in ["grib2"] + [f"grib2/localConcepts/{c}" for c in CENTRES]:
            concepts["concepts"][f"{d}/{name}.def"] = concept_file(f"{d}/{name}.def") or []
    concepts["concepts"]["grib2/section.4.def#datasetForLocal"] = inline_concept("grib2/section.4.def", "datasetForLocal")
    concepts["concepts"]["grib2/templates/template.4.statistical.def#stepTypeInternal"] = inline_concept(
        "grib2/templates/template.4.statistical.def", "stepTypeInternal")
    latest = int(re.search(r"tablesVersionLatest\s*=\s*(\d+)", export("grib2/boot.def")).group(1))
    tables = {
        "generator": GENERATOR,
        "eccodes": eccodes.__version__,
        "tablesVersionLatest": latest,
        "centre": code_table("common/c-11.table"),
        "marsClass": code_table("mars/class.table"),
        "marsType": code_table("mars/type.table"),
        "marsStream": code_table("mars/stream.table"),
        "typeOfProcessedData": {str(v): code_table(f"grib2/tables/{v}/1.4.table") for v in range(1, latest + 1)},
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    for name, data in [("parameters", parameters), ("concepts", concepts), ("code-tables", tables)]:
        path = os.path.join(OUT_DIR, f"{name}.json")
        with open(path, "w") as f:
            f.write(dump_lines(data))
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")
    entries = sum(len(e) for p, e in parameters["concepts"].items() if "/parameter." in p)
    ids = {e[0][0] for p, es in parameters["concepts"].items() if "/parameter." in p for e in es}
    print(f"{len(triples)} (discipline, category, number) triples, {entries} parameter entries, {len(ids)} paramIds, "
          f"{sum(len(v) for v in WANTED.values())} wanted shortNames")


if __name__ == "__main__":
    main()
