"""Benchmark: the population generator's people/s as a ratio to Faker making people one by one.

Both sides run in this process, one after the other, interleaved (Faker, generator, Faker, …) so
the machine's load hits both alike; the result is the ratio of the medians. Goal: 50 or more.

- Faker (id_ID), the way a straightforward generator would use it: per person the same 25
  columns (``contract.population.COLUMNS``), each from Faker's provider for that field (name of
  the person's sex, birth date 18-70, city, street address, phone, free e-mail, uuid4 for the
  face and selfie ids) or from ``fake.random`` for the weighted choices and flags, a district of
  the official list and the NIK and KK assembled from it (+40 on the day for women); each record
  written as a CSV line to a file. One seeded instance, made before the clock starts; no
  uniqueness bookkeeping, families or cases by construction, which only flatters Faker.
- The generator: ``simulators.population.generate`` writing its full 25-column file (family
  cards, cases, unique phones, e-mails, faces and selfies, guaranteed-unique NIKs) to a file.

What both sides build once per process (Faker's providers, the generator's vocabulary) is built
before timing; what depends on a run's arguments is not: every repeat uses a seed and as-of day
of its own, so each generator run builds its seed's and day's tables inside the clock.

Example: python -m benchmarks.population --count 500000 --faker-count 20000 --repeats 3
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from faker import Faker
from rich.console import Console
from rich.table import Table

from contract import regions
from contract.population import COLUMNS, Case
from simulators.population import demographics, generate

GOAL = 50.0
GENERATOR = "generator"
FAKER = "faker one by one"
AS_OF = date(2021, 3, 1)
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Params:
    """What to measure and where to write it."""

    count: int = 500_000  # people per generator run
    faker_count: int = 20_000  # people per Faker run
    repeats: int = 3
    seed: int = 1
    out: Path = Path("bench-results/population.json")


def faker_people(path: Path, count: int, seed: int) -> None:
    """``count`` people from Faker id_ID, one by one, written as CSV lines to ``path``.

    The generator's 25 columns, each the way a Faker user would fill it: Faker's providers
    where they have the field (name, birth date, city, street address, phone, e-mail, ids),
    ``fake.random`` for the weighted choices and yes/no flags (the cheapest way, no Faker
    machinery), a NIK and KK assembled from a district of the official list.
    """
    fake = _faker(seed)
    rnd = fake.random
    districts = regions.districts()
    educations, education_weights = zip(*demographics.EDUCATION.items(), strict=True)
    statuses = list(demographics.EMPLOYMENT)
    status_weights = [share for share, _ in demographics.EMPLOYMENT.values()]
    occupations = {
        status: (list(jobs), list(jobs.values()))
        for status, (_, jobs) in demographics.EMPLOYMENT.items()
    }
    cases = [case.value for case in Case]
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for _ in range(count):
            woman = rnd.random() < demographics.WOMEN
            name = fake.name_female() if woman else fake.name_male()
            born = fake.date_of_birth(minimum_age=18, maximum_age=70)
            district = rnd.choice(districts)
            day = born.day + 40 if woman else born.day
            nik = (
                f"{district.nik_prefix}{day:02d}{born.month:02d}{born.year % 100:02d}"
                f"{fake.random_int(1, 9999):04d}"
            )
            status = rnd.choices(statuses, status_weights)[0]
            jobs, job_weights = occupations[status]
            face = fake.uuid4()
            out.writerow(
                (
                    nik,
                    f"{district.nik_prefix}{fake.random_int(0, 9_999_999_999):010d}",
                    name.upper(),
                    name,
                    "F" if woman else "M",
                    born.isoformat(),
                    fake.city(),
                    district.code,
                    fake.street_address(),
                    int(rnd.random() < demographics.RURAL),
                    fake.phone_number(),
                    fake.free_email(),
                    rnd.choices(educations, education_weights)[0],
                    rnd.choices(jobs, job_weights)[0],
                    status,
                    0,
                    0,
                    face,
                    fake.uuid4(),
                    face,
                    1,
                    int(rnd.random() < demographics.HAS_ACCOUNT),
                    int(rnd.random() < demographics.DISABILITY),
                    int(rnd.random() < demographics.MIGRANT_WORKER),
                    rnd.choice(cases),
                )
            )


_FAKERS: dict[int, Faker] = {}


def _faker(seed: int) -> Faker:
    fake = _FAKERS.get(seed) or _FAKERS.setdefault(seed, Faker("id_ID"))
    fake.seed_instance(seed)
    return fake


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of the action (this process's CPU time: what a busy machine's
    other work does not add to)."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def machine() -> dict[str, Any]:
    """Where the numbers were measured."""
    import os

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
    }


def run_bench(params: Params, progress: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Measure, write ``params.out`` and return the result."""
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="population-bench-") as tmp:
        folder = Path(tmp)
        progress("warming up")
        faker_people(folder / "warm-faker.csv", 100, params.seed - 1)
        generate(folder / "warm.csv", 1_000, params.seed - 1, AS_OF - ONE_DAY, progress=False)
        for repeat in range(1, params.repeats + 1):
            # A seed and as-of day of its own per repeat: each generator run pays for its seed's
            # and day's tables, as a single `prakerja population generate` does.
            seed, as_of = params.seed + repeat - 1, AS_OF + (repeat - 1) * ONE_DAY
            progress(f"repeat {repeat}/{params.repeats}: Faker")
            seconds = _timed(partial(faker_people, folder / "faker.csv", params.faker_count, seed))
            runs.append(_run(FAKER, repeat, params.faker_count, *seconds))
            progress(f"repeat {repeat}/{params.repeats}: generator")
            out = folder / "population.csv"
            seconds = _timed(partial(generate, out, params.count, seed, as_of, progress=False))
            runs.append(_run(GENERATOR, repeat, params.count, *seconds))
    medians, cpu_medians = (
        {
            side: statistics.median(r[key] for r in runs if r["side"] == side)
            for side in (FAKER, GENERATOR)
        }
        for key in ("records_per_s", "records_per_cpu_s")
    )
    ratio = medians[GENERATOR] / medians[FAKER]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "parameters": {**asdict(params), "out": str(params.out)},
        "note": "Both sides run in one process on one core, interleaved; compare the ratio, "
        "not the absolute numbers (other work on the machine slows both alike). The goal is "
        "judged on wall-clock time; the CPU-time ratio leaves out the time other processes "
        "take the core away, which on a busy machine swings the wall-clock ratio.",
        "runs": runs,
        "medians": medians,
        "ratio": ratio,
        "cpu_medians": cpu_medians,
        "cpu_ratio": cpu_medians[GENERATOR] / cpu_medians[FAKER],
        "goal": GOAL,
        "meets_goal": ratio >= GOAL,
    }
    params.out.parent.mkdir(parents=True, exist_ok=True)
    import json

    params.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _run(side: str, repeat: int, records: int, seconds: float, cpu: float) -> dict[str, Any]:
    return {
        "side": side,
        "repeat": repeat,
        "records": records,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "records_per_s": records / seconds,
        "records_per_cpu_s": records / cpu if cpu > 0 else float("inf"),
    }


def table(result: dict[str, Any]) -> Table:
    """The medians and the ratio as a Rich table."""
    p = result["parameters"]
    out = Table(
        "side",
        "records per run",
        "median records/s",
        "x Faker",
        "median records/CPU s",
        "x Faker (CPU)",
        title="Population generator vs Faker one by one",
        caption=f"median of {p['repeats']} interleaved repeats; goal x{result['goal']:.0f}. "
        + result["note"],
    )
    sizes = {FAKER: p["faker_count"], GENERATOR: p["count"]}
    for side in (FAKER, GENERATOR):
        rate, cpu_rate = result["medians"][side], result["cpu_medians"][side]
        out.add_row(
            side,
            f"{sizes[side]:,}",
            f"{rate:,.0f}",
            f"{rate / result['medians'][FAKER]:.1f}",
            f"{cpu_rate:,.0f}",
            f"{cpu_rate / result['cpu_medians'][FAKER]:.1f}",
        )
    return out


def parse_args(argv: Sequence[str] | None = None) -> Params:
    """The command line as Params."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.population",
        description="People/s of the population generator as a ratio to Faker (id_ID) making "
        "the same kind of record one by one, measured in the same run.",
        epilog="Example: python -m benchmarks.population --count 500000 --faker-count 20000",
    )
    parser.add_argument(
        "--count", type=int, default=Params.count, help="people per generator run (500,000)"
    )
    parser.add_argument(
        "--faker-count", type=int, default=Params.faker_count, help="people per Faker run (20,000)"
    )
    parser.add_argument(
        "--repeats", type=int, default=Params.repeats, help="interleaved repeats (default 3)"
    )
    parser.add_argument("--seed", type=int, default=Params.seed, help="seed of both sides")
    parser.add_argument("--out", type=Path, default=Params.out, help="result file (JSON)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.faker_count < 1 or args.repeats < 1:
        parser.error("--count, --faker-count and --repeats must be at least 1")
    return Params(args.count, args.faker_count, args.repeats, args.seed, args.out)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the bench from the command line and print the table."""
    params = parse_args(argv)
    console = Console()
    with console.status("population bench") as status:
        result = run_bench(params, progress=lambda text: status.update(f"population: {text}"))
    console.print(table(result))
    verdict = "meets" if result["meets_goal"] else "misses"
    console.print(
        f"Ratio x{result['ratio']:.1f} {verdict} the goal of x{GOAL:.0f} "
        f"(CPU time: x{result['cpu_ratio']:.1f})."
    )
    console.print(f"Written to {params.out}")


if __name__ == "__main__":
    main()
