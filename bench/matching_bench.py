"""Benchmark: rank the top 20 candidates for a request in an organisation of 100,000 advocates and
1,000,000 activities, four ways side by side in one run:

  (a) ``requests_mgmt.matching.rank_candidates`` (the product: Django ORM, in the database)
  (b) the same ranking as one hand-written SQL statement that reads the ledger of a fit-ranked
      shortlist only and proves the shortlist was enough (``bench/matching_reference.py``)
  (b0) the same ranking as one hand-written SQL statement that evaluates every rule for every
      advocate, like the engine (for comparison; fewer runs)
  (c) a naive ranking that loads the organisation into Python (for comparison; fewer runs)

    DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_matching \\
        .venv/bin/python bench/matching_bench.py            # generates the data first if it is not there

Targets (the issue): (a) p50 <= 50 ms, and (a) <= 1.5 x (b). All must return the same advocates in the
same order; a difference is reported. ``why_not`` is timed for a few excluded advocates.
``--update-readme`` writes the figures into bench/README.md; ``--explain FILE`` writes EXPLAIN ANALYZE
of (a) and (b) for the first request selected; ``--set jit=off`` runs everything with that PostgreSQL setting.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Imported first: sets DEBUG off, the settings module and the benchmark's database before Django loads.
import generate_matching
import matching_reference

README = Path(__file__).resolve().parent / "README.md"
START_MARK = "<!-- matching-results:start -->"
END_MARK = "<!-- matching-results:end -->"
TARGET_P50_MS = 50.0
TARGET_RATIO = 1.5
SLOW_MS = 2_000.0  # a call this slow is kept as a sample rather than used as a warm-up

# The requests the program team would really match in this organisation.
REQUESTS: list[dict[str, Any]] = [
    dict(
        label="reference call: enterprise financial services, EMEA, $750k deal",
        request_type="reference_call",
        prospect_company="Bench Bank plc",
        prospect_industry="Financial services",
        prospect_segment="enterprise",
        prospect_region="emea",
        products="Dashboards, Forecasting",
        use_case="Finance reporting",
        seniority_wanted="executive",
        language="en",
        deal_value=Decimal(750_000),
        due_in_days=14,
    ),
    dict(
        label="case study: mid-market healthcare, North America",
        request_type="case_study",
        prospect_industry="Healthcare",
        prospect_segment="mid_market",
        prospect_region="north_america",
        products="Data Pipelines",
        use_case="Customer 360",
        seniority_wanted="manager",
        language="en",
        deal_value=None,
        due_in_days=45,
    ),
    dict(
        label="testimonial: retail, APAC, in Japanese",
        request_type="testimonial",
        prospect_industry="Retail",
        prospect_segment="smb",
        prospect_region="apac",
        products="Embedded Analytics",
        use_case="Supply chain visibility",
        seniority_wanted="practitioner",
        language="ja",
        deal_value=None,
        due_in_days=21,
    ),
    dict(
        label="speaking slot: software, North America, executive",
        request_type="speaking",
        prospect_industry="Software",
        prospect_segment="enterprise",
        prospect_region="north_america",
        products="Governance",
        use_case="Forecasting",
        seniority_wanted="executive",
        language="en",
        deal_value=None,
        due_in_days=60,
    ),
]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def measure_request(
    advocacy_request: Any, methods: dict[str, Callable[[], Any]], wanted: dict[str, int], options: argparse.Namespace
) -> dict[str, Any]:
    """Times every method on one request, interleaved: round after round, each method once, in an
    order that rotates so none always runs on a cache another just warmed.

    Each method's first call is a warm-up (``--warmups`` of them) unless it took longer than
    ``SLOW_MS``: a call that slow is a measurement in its own right and is kept as a sample, without
    further warm-ups. A method stops once it has its runs or has used ``--budget`` seconds on this
    request (at least one sample always), so a ranking that takes minutes does not take the run hours.
    """
    samples: dict[str, list[float]] = {key: [] for key in methods}
    spent: dict[str, float] = dict.fromkeys(methods, 0.0)
    warmups_left = dict.fromkeys(methods, options.warmups)
    last: dict[str, Any] = {}
    keys = list(methods)
    round_number = 0

    def wants_more(key: str) -> bool:
        if not samples[key]:
            return True
        return len(samples[key]) < wanted[key] and spent[key] < options.budget

    while any(wants_more(key) for key in keys):
        order = keys[round_number % len(keys) :] + keys[: round_number % len(keys)]
        round_number += 1
        for key in order:
            if not wants_more(key):
                continue
            elapsed, last[key] = timed(methods[key])
            spent[key] += elapsed / 1000
            if warmups_left[key] > 0 and elapsed < SLOW_MS:
                warmups_left[key] -= 1
                continue
            warmups_left[key] = 0
            samples[key].append(elapsed)
    summary: dict[str, Any] = {
        "label": advocacy_request.label,
        "candidates": len(last["a"]),
        "problems": compare(last["a"], last["b"], last["c"], last["b0"]),
        "runs": {key: len(values) for key, values in samples.items()},
        **{
            f"{key}_{name}": round(percentile(values, share), 1)
            for key, values in samples.items()
            for name, share in (("p50", 0.5), ("p95", 0.95))
        },
    }
    summary["ratio"] = round(summary["a_p50"] / summary["b_p50"], 2)
    summary["meets"] = summary["a_p50"] <= TARGET_P50_MS and summary["ratio"] <= TARGET_RATIO
    return summary


def bench_requests(organization: Any, today: Any) -> list[Any]:
    """The benchmark's requests, created once and reset to the same content on every run."""
    from advocacy.models import User
    from requests_mgmt.models import AdvocacyRequest

    requester = User.objects.get(email="sales@bench-matching.example")
    requests = []
    for number, spec in enumerate(REQUESTS, start=1):
        fields = {key: value for key, value in spec.items() if key not in ("label", "due_in_days")}
        fields["needed_by"] = today + timedelta(days=spec["due_in_days"])
        fields["status"] = "matching"
        fields["requester"] = requester
        advocacy_request, _created = AdvocacyRequest.objects.update_or_create(
            organization=organization, crm_opportunity_id=f"BENCH-MATCH-{number}", defaults=fields
        )
        advocacy_request.label = spec["label"]
        requests.append(advocacy_request)
    return requests


def compare(engine: list[Any], sql_rows: list[Any], naive_rows: list[Any], full_sql_rows: list[Any]) -> list[str]:
    """Differences between the rankings (ids, order, scores, parts); empty when they agree."""
    problems = []
    engine_ids = [candidate.advocate.pk for candidate in engine]
    sql_ids = [row.advocate_id for row in sql_rows]
    if engine_ids != sql_ids:
        problems.append(f"(a) and (b) differ: {engine_ids} vs {sql_ids}")
    for key, rows in (("b0", full_sql_rows), ("c", naive_rows)):
        ids = [row.advocate_id for row in rows]
        if ids != sql_ids:
            problems.append(f"({key}) and (b) differ: {ids} vs {sql_ids}")
    for candidate, row in zip(engine, sql_rows, strict=False):
        parts = {key: points for key, _label, points, _maximum in candidate.parts}
        if candidate.advocate.pk == row.advocate_id and (candidate.score != row.score or parts != row.parts):
            problems.append(f"advocate {row.advocate_id}: (a) {candidate.score} {parts} vs (b) {row.score} {row.parts}")
    return problems


def excluded_samples(organization: Any, advocacy_request: Any, today: Any) -> list[tuple[str, int]]:
    """One active advocate per reason to be left out, to ask "why not?" about."""
    from django.db import connection

    from advocates.capacity import window_start

    org = organization.pk
    # Otherwise askable (active, healthy account, consent to be named) so that one reason stands out.
    askable = """
        JOIN advocates_advocate v ON v.id = {column} AND v.status = 'active' AND v.consent_named
        JOIN advocates_customeraccount c ON c.id = v.account_id AND c.health_score >= 80"""
    queries = {
        "at the yearly cap": f"""
            SELECT a.advocate_id FROM advocates_activity a
            JOIN advocates_activitytype t ON t.id = a.activity_type_id {askable.format(column="a.advocate_id")}
            WHERE a.organization_id = %(org)s AND a.status IN ('planned', 'completed') AND t.counts_toward_cap
              AND a.occurred_on > %(start)s
            GROUP BY a.advocate_id HAVING count(*) >= 6 ORDER BY a.advocate_id LIMIT 1""",
        "asked recently (cooldown)": f"""
            SELECT k.advocate_id FROM requests_mgmt_ask k {askable.format(column="k.advocate_id")}
            WHERE k.organization_id = %(org)s AND k.status = 'declined' AND k.asked_at > now() - interval '20 days'
            ORDER BY k.advocate_id LIMIT 1""",
        "waiting to answer another request": f"""
            SELECT k.advocate_id FROM requests_mgmt_ask k {askable.format(column="k.advocate_id")}
            WHERE k.organization_id = %(org)s AND k.status = 'pending' ORDER BY k.advocate_id LIMIT 1""",
        "in a blackout": f"""
            SELECT b.advocate_id FROM advocates_blackoutperiod b {askable.format(column="b.advocate_id")}
            WHERE b.organization_id = %(org)s AND b.starts_on <= %(today)s AND b.ends_on >= %(today)s
            ORDER BY b.advocate_id LIMIT 1""",
        "unhealthy account": """
            SELECT v.id FROM advocates_advocate v JOIN advocates_customeraccount c ON c.id = v.account_id
            WHERE v.organization_id = %(org)s AND v.status = 'active' AND v.consent_named AND c.health_score < 50
            ORDER BY v.id LIMIT 1""",
    }
    samples = []
    with connection.cursor() as cursor:
        for reason, sql in queries.items():
            cursor.execute(sql, {"org": org, "start": window_start(today), "today": today})
            row = cursor.fetchone()
            if row:
                samples.append((reason, row[0]))
    return samples


def machine() -> dict[str, str]:
    from django.db import connection

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    return {
        "cpu": f"{os.cpu_count()} vCPU, {cpu}",
        "python": platform.python_version(),
        "postgres": f"PostgreSQL {server.split()[0]} (shared_buffers {shared_buffers}, work_mem {work_mem})",
    }


def explain(path: Path, advocacy_request: Any, today: Any) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of (a)'s ranking statement and of (b), for the first request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from requests_mgmt.matching import rank_candidates

    with CaptureQueriesContext(connection) as captured:
        rank_candidates(advocacy_request=advocacy_request, limit=20, today=today)
    engine_sql = max((query["sql"] for query in captured.captured_queries), key=len)
    inputs = matching_reference.inputs_for(advocacy_request, today=today)
    sql, params = matching_reference.sql_and_params(inputs)
    lines = []
    with connection.cursor() as cursor:
        for title, statement, arguments in (
            ("(a) rank_candidates", engine_sql, None),
            ("(b) hand-written SQL", sql, params),
        ):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, arguments)
            lines += [f"==== {title} ====", *(row[0] for row in cursor.fetchall()), ""]
    path.write_text("\n".join(lines))
    print(f"EXPLAIN ANALYZE written to {path}")


def run(options: argparse.Namespace) -> dict[str, Any]:
    build = generate_matching.ensure_data(reuse=not options.regenerate)  # sets Django up

    from django.db import connection
    from django.utils import timezone
    from django_scopes import scope

    from advocacy.models import Organization

    try:
        from requests_mgmt.matching import rank_candidates, why_not
    except ImportError as error:
        raise SystemExit(f"requests_mgmt.matching is not importable yet: {error}") from error

    organization = Organization.objects.get(slug=generate_matching.BIG_SLUG)
    today = timezone.localdate()
    results: dict[str, Any] = {"build": build, "machine": machine(), "requests": [], "why_not": []}
    with connection.cursor() as cursor:
        for setting in options.settings:
            name, _equals, value = setting.partition("=")
            cursor.execute("SELECT set_config(%s, %s, false)", [name.strip(), value.strip()])
        cursor.execute("SELECT count(*) FROM advocates_advocate WHERE organization_id = %s", [organization.pk])
        results["advocates"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM advocates_activity WHERE organization_id = %s", [organization.pk])
        results["activities"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM advocacy_organization")
        results["organizations"] = cursor.fetchone()[0]
    print(
        f"{results['advocates']:,} advocates and {results['activities']:,} activities in the large organisation, "
        f"{results['organizations']} organisations; {options.iterations} timed runs of (a) and (b) after "
        f"{options.warmups} warm-ups, {options.naive_iterations} of (c).",
        flush=True,
    )
    with scope(organization=organization):
        requests = bench_requests(organization, today)
        if options.explain:
            first_selected = min(options.requests or {1})
            explain(Path(options.explain), requests[first_selected - 1], today)
        for number, advocacy_request in enumerate(requests, start=1):
            if options.requests and number not in options.requests:
                continue
            methods = {
                "a": lambda r=advocacy_request: rank_candidates(advocacy_request=r, limit=20, today=today),
                "b": lambda r=advocacy_request: matching_reference.rank_sql(
                    matching_reference.inputs_for(r, today=today)
                ),
                "b0": lambda r=advocacy_request: matching_reference.rank_sql(
                    matching_reference.inputs_for(r, today=today), full=True
                ),
                "c": lambda r=advocacy_request: matching_reference.rank_naive(
                    matching_reference.inputs_for(r, today=today)
                ),
            }
            wanted = {
                "a": options.iterations,
                "b": options.iterations,
                "b0": options.naive_iterations,
                "c": options.naive_iterations,
            }
            summary = measure_request(advocacy_request, methods, wanted, options)
            results["requests"].append(summary)
            print(
                f"  {summary['label']}: (a) p50 {summary['a_p50']} ms p95 {summary['a_p95']} ms "
                f"[{summary['runs']['a']} runs] | (b) p50 {summary['b_p50']} ms p95 {summary['b_p95']} ms | "
                f"(b0) p50 {summary['b0_p50']} ms | (c) p50 {summary['c_p50']} ms | (a)/(b) {summary['ratio']} | "
                f"{'meets' if summary['meets'] else 'MISSES'} the target | "
                f"{'same top 20' if not summary['problems'] else 'DIFFERENT: ' + '; '.join(summary['problems'])}",
                flush=True,
            )

        first = requests[0]
        for reason, advocate_id in excluded_samples(organization, first, today):
            advocate = organization.advocates.get(pk=advocate_id)
            why_not(advocacy_request=first, advocate=advocate, today=today)  # warm-up
            timings, reasons = [], []
            for _ in range(options.why_not_iterations):
                elapsed, reasons = timed(
                    lambda advocate=advocate: why_not(advocacy_request=first, advocate=advocate, today=today)
                )
                timings.append(elapsed)
            row = {
                "reason": reason,
                "advocate": advocate_id,
                "keys": [item.key for item in reasons],
                "p50": round(percentile(timings, 0.5), 1),
                "p95": round(percentile(timings, 0.95), 1),
            }
            results["why_not"].append(row)
            print(f"  why_not, {reason}: p50 {row['p50']} ms p95 {row['p95']} ms -> {row['keys']}", flush=True)
    return results


def markdown(results: dict[str, Any], options: argparse.Namespace) -> str:
    machine_info = results["machine"]
    build = results["build"]
    counts = build["counts"]
    lines = [
        START_MARK,
        f"Latest run: {time.strftime('%Y-%m-%d')}, {machine_info['cpu']}, Python {machine_info['python']}, "
        f"{machine_info['postgres']}"
        + (f", session settings: {', '.join(options.settings)}" if options.settings else ", server defaults (jit on)")
        + f". Data generated on {build['generated_on']}"
        + (
            f" (completed asks marked and rated on {build['ratings_added_on']} by `RATE_COMPLETED_ASKS`)"
            if build.get("ratings_added_on")
            else ""
        )
        + ": "
        f"{results['advocates']:,} advocates at {counts['accounts']:,} accounts, "
        f"{results['activities']:,} activities, {counts['asks']:,} asks "
        f"({counts.get('asks_pending', 0):,} pending, {counts.get('asks_completed', 0):,} completed, "
        f"{counts.get('asks_rated', 0):,} of those rated by the advocate) on {counts['requests']:,} requests, "
        f"{counts['preferences']:,} activity preferences, {counts['blackouts']:,} blackouts, "
        f"plus {counts['small_organizations']} small organisations ({results['organizations']} in all). "
        f"Up to {options.iterations} timed runs of (a) and (b) after {options.warmups} warm-ups, "
        f"{options.naive_iterations} of (b0) and (c), interleaved; a method stops repeating after "
        f"{options.budget:.0f} s on a request, and a call over {SLOW_MS / 1000:.0f} s counts as a run, not a warm-up.",
        "",
        "| request | (a) `rank_candidates` p50 / p95 (runs) | (b) hand-written SQL p50 / p95 | (a) / (b) "
        "| (b0) SQL, whole ledger, p50 | (c) naive Python p50 | target met | same top 20 |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for row in results["requests"]:
        lines.append(
            f"| {row['label']} | {_ms(row['a_p50'])} / {_ms(row['a_p95'])} ({row['runs']['a']}) "
            f"| {_ms(row['b_p50'])} / {_ms(row['b_p95'])} | {row['ratio']:,}× | {_ms(row['b0_p50'])} "
            f"| {_ms(row['c_p50'])} | {'yes' if row['meets'] else '**no**'} "
            f"| {'yes' if not row['problems'] else '**no**'} |"
        )
    lines.append("")
    lines.append(
        f"(b) proved its shortlist enough every time; fell back to the whole-ledger statement "
        f"{len(matching_reference.FALLBACKS)} times."
        if not matching_reference.FALLBACKS
        else f"(b) fell back to the whole-ledger statement {len(matching_reference.FALLBACKS)} times."
    )
    lines += [
        "",
        "`why_not` for the reference call, one excluded advocate per reason:",
        "",
        "| excluded because | p50 | p95 | reasons returned |",
        "|---|---:|---:|---|",
    ]
    for row in results["why_not"]:
        lines.append(f"| {row['reason']} | {row['p50']} ms | {row['p95']} ms | {', '.join(row['keys'])} |")
    seconds = build["seconds"]
    lines += [
        "",
        f"Generation (once, then reused): {seconds['total']:.0f} s in all, peak RSS {build['peak_rss_mb']} MB "
        "("
        + "; ".join(
            f"{name} {value:.0f} s"
            for name, value in sorted(seconds.items(), key=lambda item: -item[1])
            if name != "total"
        )
        + ").",
        END_MARK,
    ]
    return "\n".join(lines)


def _ms(value: float) -> str:
    return f"{value / 1000:,.1f} s" if value >= 1000 else f"{value:,.1f} ms"


def update_readme(block: str) -> None:
    text = README.read_text()
    if START_MARK not in text or END_MARK not in text:
        raise SystemExit(f"{README} has no {START_MARK} … {END_MARK} block to replace.")
    before, rest = text.split(START_MARK, 1)
    _old, after = rest.split(END_MARK, 1)
    README.write_text(before + block + after)
    print(f"Figures written into {README}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the data even if a complete build exists")
    parser.add_argument("--iterations", type=int, default=30, help="timed runs of (a) and (b) per request")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--naive-iterations", type=int, default=3, help="timed runs of (c) and of (b0) per request")
    parser.add_argument("--why-not-iterations", type=int, default=10)
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds per method and request before it stops repeating"
    )
    parser.add_argument(
        "--requests", type=lambda text: {int(n) for n in text.split(",")}, help="only these requests, e.g. 1,3"
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the benchmark's session, e.g. jit=off (repeatable)",
    )
    parser.add_argument(
        "--explain", metavar="FILE", help="write EXPLAIN ANALYZE of (a) and (b) for the first request selected to FILE"
    )
    parser.add_argument("--update-readme", action="store_true", help="write the figures into bench/README.md")
    options = parser.parse_args()
    results = run(options)
    block = markdown(results, options)
    print()
    print(block)
    if options.update_readme:
        update_readme(block)


if __name__ == "__main__":
    main()
