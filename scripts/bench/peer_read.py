"""The readers `inspect` is measured beside (npm run bench -- pipeline --peers), over a folder of .csv.gz session logs,
each reducing them to what `inspect` reports (rows, sessions, rows per date, distinct tracks, sessions per length,
skip_2 rate): DuckDB in one scan (reading the columns the summary needs; its CSV scanner still splits every field),
pandas file by file (every column read and typed). `--query count` is DuckDB's floor: its scan counting rows.
Prints one JSON line; `seconds` is the read and the summary only, not Python's start-up or the imports, as the
bench times `inspect` from its first byte to its summary.

    python peer_read.py --tool duckdb|pandas --folder DIR [--threads N] [--query summary|count]
"""
import argparse
import glob
import json
import os
import sys
import time


def with_duckdb(files, threads, query):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads TO {threads}")
    source = "read_csv([" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "], header = true)"
    start = time.perf_counter()
    if query == "count":
        # DuckDB's floor: its CSV scan counting rows, with no column read.
        (rows,) = con.execute(f"SELECT count(*) FROM {source}").fetchone()
        return time.perf_counter() - start, rows, None, None, None, None, None, duckdb.__version__
    # One scan: the totals, rows per date and sessions per length as grouping sets of one aggregate.
    result = con.execute(
        "SELECT date, session_length, count(*), count(DISTINCT session_id), count(DISTINCT track_id_clean), "
        f"sum(skip_2::INT) FROM {source} GROUP BY GROUPING SETS ((), (date), (session_length))"
    ).fetchall()
    seconds = time.perf_counter() - start
    total = next(r for r in result if r[0] is None and r[1] is None)
    dates = [r for r in result if r[0] is not None]
    lengths = [r for r in result if r[1] is not None]
    rows, sessions, tracks, skips = total[2], total[3], total[4], total[5]
    return seconds, rows, sessions, tracks, skips / max(1, rows), len(dates), len(lengths), duckdb.__version__


def with_pandas(files, threads, query):
    import pandas as pd

    start = time.perf_counter()
    rows = 0
    sessions = 0
    skips = 0
    tracks = set()
    dates = {}
    lengths = {}
    # File by file (MSSD's sessions never span files), so memory stays that of one file.
    for f in files:
        df = pd.read_csv(f)
        rows += len(df)
        skips += int(df["skip_2"].sum())
        tracks.update(df["track_id_clean"].unique())
        for d, n in df["date"].value_counts().items():
            dates[d] = dates.get(d, 0) + int(n)
        firsts = df.drop_duplicates("session_id")
        sessions += len(firsts)
        for l, n in firsts["session_length"].value_counts().items():
            lengths[l] = lengths.get(l, 0) + int(n)
    seconds = time.perf_counter() - start
    return seconds, rows, sessions, len(tracks), skips / max(1, rows), len(dates), len(lengths), pd.__version__


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tool", choices=["duckdb", "pandas"], required=True)
    p.add_argument("--folder", required=True)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--query", choices=["summary", "count"], default="summary")
    a = p.parse_args()
    files = sorted(glob.glob(os.path.join(a.folder, "**", "*.csv.gz"), recursive=True))
    if not files:
        sys.exit(f"no .csv.gz files under {a.folder}")
    run = with_duckdb if a.tool == "duckdb" else with_pandas
    seconds, rows, sessions, tracks, skip2, dates, lengths, version = run(files, a.threads, a.query)
    print(
        json.dumps(
            {
                "tool": a.tool if a.query == "summary" else f"{a.tool}-{a.query}",
                "version": version,
                "threads": a.threads,
                "seconds": seconds,
                "rows": int(rows),
                "sessions": sessions,
                "distinctTracks": tracks,
                "skip2Rate": skip2,
                "dates": dates,
                "lengths": lengths,
            }
        )
    )


if __name__ == "__main__":
    main()
