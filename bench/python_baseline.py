"""The peer of `orgcover analyze` for issue 4's benchmark: what a planner would write with
the reference H3 library and pandas. Reads the organization CSV, indexes every point at
resolution 7, counts organizations per cell (total, and uncovered: no party organization
and no instructor), and writes the hexagons as a GeoJSON FeatureCollection.

Usage: python3 bench/python_baseline.py ORGS.csv OUT.geojson [RES]
"""

import json
import sys

import h3
import pandas as pd


def main() -> None:
    path, out = sys.argv[1], sys.argv[2]
    res = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    orgs = pd.read_csv(
        path,
        usecols=["lon", "lat", "party_org", "instructor", "status"],
        dtype={"party_org": "string", "instructor": "string", "status": "string"},
        encoding="utf-8-sig",
    )
    # Rows without a point are in no cell, as in orgcover (the rows the generator writes in
    # GCJ-02 are indexed as they are: this is a timing peer, not a reference).
    orgs = orgs[orgs["status"].isin(["active", "changed"])].dropna(subset=["lon", "lat"])
    orgs["cell"] = [h3.latlng_to_cell(lat, lon, res) for lat, lon in zip(orgs["lat"], orgs["lon"])]
    orgs["uncovered"] = (orgs["party_org"].fillna("none") == "none") & orgs["instructor"].isna()
    counts = orgs.groupby("cell").agg(total=("cell", "size"), uncovered=("uncovered", "sum"))
    features = []
    for cell, row in counts.iterrows():
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(cell)]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": cell,
                    "total": int(row["total"]),
                    "uncovered": int(row["uncovered"]),
                },
            }
        )
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f)
    print(f"{len(orgs)} organizations, {len(features)} cells -> {out}")


if __name__ == "__main__":
    main()
