"""bench/load.py's report: latencies, throughput, states, HTTP problems and log errors.

report() prints what the run did and checks that no upload was lost; its result is the
exit status (0 all as expected, 1 anything lost, in the wrong state or failed over HTTP).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

from load_clients import Person

ERROR_PATTERNS = re.compile(
    r"Traceback|\bERROR\b|CRITICAL|Deadlock|Lock wait timeout|WORKER TIMEOUT|"
    r"OperationalError|IntegrityError|Internal Server Error"
)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def scan_logs(logdir: Path) -> tuple[Counter, dict[str, list[str]]]:
    """HTTP statuses from the access log; error-looking lines from every process log."""
    statuses: Counter = Counter()
    access = logdir / "access.log"
    if access.exists():
        for line in access.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[0].isdigit():
                statuses[f"{parts[0]} {parts[1]} {re.sub(r'[0-9a-f-]{36}', '<id>', parts[2])}"] += 1
    problems: dict[str, list[str]] = {}
    for log in sorted(logdir.glob("*.log")):
        if log.name == "access.log":
            continue
        hits = [
            line for line in log.read_text(errors="replace").splitlines()
            if ERROR_PATTERNS.search(line)
        ]  # fmt: skip
        if hits:
            problems[log.name] = hits
    return statuses, problems


def report(people: list[Person], settled_in_time: bool, logdir: Path) -> int:
    from albums.models import Photo

    uploads = [u for p in people for u in p.uploads]
    album_ids = [p.album_id for p in people]
    rows = {
        str(r["id"]): r
        for r in Photo.objects.filter(album_id__in=album_ids).values(
            "id", "status", "status_reason", "settled_at", "original_name", "failed_step"
        )
    }
    started = [u for u in uploads if u.photo_id]
    done = [u for u in uploads if u.total_ms is not None and not u.error]
    failed_http = [u for u in uploads if u.error]
    latencies = [u.total_ms for u in done]
    start_latencies = [u.start_ms for u in uploads if u.start_ms is not None]

    print()
    login_ms = [p.login_ms for p in people if p.login_ms]
    print(f"people: {len(people)}, signed in: {sum(not p.login_error for p in people)} "
          f"(login p50 {percentile(login_ms, 50):.0f} ms, max {max(login_ms, default=0):.0f} "
          f"ms); refused and retried: {sum(p.login_429s for p in people)} × 429, "
          f"{sum(p.login_throttled for p in people)} × 'too many failed login attempts' "
          f"with the right password")  # fmt: skip
    for person in people:
        if person.login_error:
            print(f"  user {person.index}: {person.login_error}")
        if person.login_page:
            (logdir / f"login-{person.index}.html").write_bytes(person.login_page)
    print(f"uploads: {len(uploads)} planned, {len(started)} started, {len(done)} sent and "
          f"answered, {len(failed_http)} failed over HTTP")  # fmt: skip
    print(f"upload latency (start → upload answered): p50 {percentile(latencies, 50):.0f} ms, "
          f"p95 {percentile(latencies, 95):.0f} ms, max "
          f"{max(latencies, default=float('nan')):.0f} ms")  # fmt: skip
    print(f"  of which the start request: p50 {percentile(start_latencies, 50):.0f} ms, "
          f"p95 {percentile(start_latencies, 95):.0f} ms")  # fmt: skip
    for u in failed_http[:20]:
        print(f"  user {u.user} {u.path.name}: {u.error}")

    settled_times = [r["settled_at"].timestamp() for r in rows.values() if r["settled_at"]]
    if started and settled_times:
        first = min(u.started for u in started)
        span = max(settled_times) - first
        settled = sum(1 for r in rows.values() if r["status"] in Photo.SETTLED)
        print(f"processed: {settled} photos settled in {span:.1f} s from the first upload: "
              f"{settled / span:.2f} photos/s")  # fmt: skip
    print(f"by status: {dict(sorted(Counter(r['status'] for r in rows.values()).items()))}")

    wrong, missing = [], []
    for u in started:
        row = rows.get(u.photo_id)
        if row is None:
            missing.append(u)
        elif row["status"] != u.expected:
            wrong.append((u, row))
    known = {u.photo_id for u in started}
    strangers = [r for pid, r in rows.items() if pid not in known]
    stuck = [r for r in rows.values() if r["status"] not in Photo.SETTLED]
    expected_counts = Counter(u.expected for u in started)
    ok_counts = Counter(u.expected for u in started if rows.get(u.photo_id, {}).get("status")
                        == u.expected)  # fmt: skip
    print("expected states: " + ", ".join(
        f"{state} {ok_counts[state]}/{n}" for state, n in sorted(expected_counts.items())
    ))  # fmt: skip
    for u, row in wrong[:20]:
        print(
            f"  WRONG user {u.user} {u.path.name} ({u.photo_id}): {row['status']} "
            f"(expected {u.expected}) {row['failed_step']} {row['status_reason'][:200]!r}"
        )
    for u in missing[:20]:
        print(f"  MISSING user {u.user} {u.path.name} ({u.photo_id}): no row")
    for r in strangers[:20]:
        print(f"  UNKNOWN row {r['id']} {r['original_name']} {r['status']}")
    if not settled_in_time:
        print(f"  not settled within the timeout: {len(stuck)} row(s)")

    statuses, problems = scan_logs(logdir)
    bad_http = {k: v for k, v in statuses.items() if not k.split()[0].startswith(("2", "3"))}
    print(f"HTTP answers not 2xx/3xx in the access log: {bad_http or 'none'}")
    for name, lines in problems.items():
        print(f"log {name}: {len(lines)} error line(s), e.g.")
        for line in list(dict.fromkeys(lines))[:5]:
            print(f"    {line[:240]}")

    lost = len(missing) + len(wrong) + len(stuck) + len(strangers)
    print()
    if lost == 0 and not failed_http and len(started) == len(uploads):
        print(f"zero lost: all {len(started)} uploads ended in their expected state")
        return 0
    print(f"NOT OK: {len(missing)} missing, {len(wrong)} in the wrong state, {len(stuck)} stuck, "
          f"{len(strangers)} unknown rows, {len(failed_http)} HTTP failures, "
          f"{len(uploads) - len(started)} never started")  # fmt: skip
    return 1
