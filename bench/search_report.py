"""bench/search.py's tables: milliseconds per size and growth ratios, and the split.

print_results() prints the median per query and size with the growth ratio
t(largest)/t(smallest); print_parts() the exact count, first page and capped count at
the smallest and largest size.
"""

from __future__ import annotations

import math

from search_queries import COUNT_CAP

TARGET_RATIO = 3.0


def print_results(names, results, sizes, runs: int) -> bool:
    """The table of medians and ratios; whether the overall and worst ratio meet the target."""
    first, last = sizes[0], sizes[-1]
    print(f"\nmedian of {runs} runs, ms (results found); ratio = t({last:,})/t({first:,})")
    header = f"{'query':28}" + "".join(f"{f'{s:,}':>18}" for s in sizes) + f"{'ratio':>8}"
    print(header)
    print("-" * len(header))
    ratios = []
    for name in names:
        row = f"{name[:28]:28}"
        for size in sizes:
            t, n = results[name][size]
            row += f"{t * 1000:9.2f} ({n:>6,})"
        ratio = results[name][last][0] / results[name][first][0]
        ratios.append(ratio)
        print(row + f"{ratio:8.2f}" + ("" if ratio < TARGET_RATIO else "  !"))
    totals = [sum(results[n][s][0] for n in names) for s in sizes]
    overall = totals[-1] / totals[0]
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print("-" * len(header))
    print(f"{'total':28}" + "".join(f"{t * 1000:9.2f}{'':9}" for t in totals) + f"{overall:8.2f}")
    print(
        f"\noverall growth t({last:,})/t({first:,}): {overall:.2f} (summed medians), "
        f"{geo:.2f} (geometric mean of the per-query ratios); target < {TARGET_RATIO:g}"
    )
    worst = max(zip(ratios, names, strict=True))
    print(f"worst: {worst[1]} at {worst[0]:.2f}")
    return overall < TARGET_RATIO and worst[0] < TARGET_RATIO


def print_parts(names, parts, first: int, last: int) -> None:
    print(
        f"\nwhere the time goes (median ms): the exact count, the first page alone, and the "
        f"count capped at {COUNT_CAP:,} that the search page runs\n(SELECT COUNT(*) FROM (… "
        f"LIMIT {COUNT_CAP + 1}); with several label terms it reads the ids up to the cap "
        f"instead, and serves its pages from them);\n'capped ratio' = (page + capped) at "
        f"{last:,} / at {first:,}"
    )
    sizes = (first, last)
    header = f"{'query':28}" + "".join(
        f"{f'count@{s:,}':>15}{f'page@{s:,}':>14}{f'capped@{s:,}':>16}" for s in sizes
    )
    header += f"{'capped ratio':>14}"
    print(header)
    print("-" * len(header))
    for name in names:
        row = f"{name[:28]:28}"
        for size in sizes:
            count, page, capped = parts[name][size]
            row += f"{count:15.2f}{page:14.2f}{capped:16.2f}"
        before, after = parts[name][first], parts[name][last]
        row += f"{(after[1] + after[2]) / (before[1] + before[2]):14.2f}"
        print(row)
