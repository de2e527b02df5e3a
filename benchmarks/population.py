"""Benchmark: the population generator's people/s as a ratio to Faker making people one by one.

Both sides run in this process, one after the other, interleaved (Faker, generator, Faker, …) so
the machine's load hits both alike; the result is the ratio of the medians. Goal: 50 or more.

- Faker (id_ID), the way a straightforward generator would use it: per person a sex, a name of
  that sex, an address, a phone number, an e-mail, a birth date (18-70), a district drawn from
  the official list and the NIK assembled from them (+40 on the day for women, a random serial),
  each record written as a CSV line to a file. One seeded instance, made before the clock starts;
  no uniqueness bookkeeping, which only flatters Faker.
- The generator: ``simulators.population.generate`` writing its full 25-column file (family
  cards, cases, unique phones, e-mails, faces and selfies, guaranteed-unique NIKs) to a file.

Vocabularies and tables both sides build once per process are built before timing.

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
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from faker import Faker
from rich.console import Console
from rich.table import Table

from contract import regions
from simulators.population import generate

GOAL = 50.0
GENERATOR = "generator"
FAKER = "faker one by one"
AS_OF = date(2021, 3, 1)


@dataclass(frozen=True)
class Params:
    """What to measure and where to write it."""

    count: int = 500_000  # people per generator run
    faker_count: int = 20_000  # people per Faker run
    repeats: int = 3
    seed: int = 1
    out: Path = Path("bench-results/population.json")


def faker_people(path: Path, count: int, seed: int) -> None:
    """``count`` people from Faker id_ID, one by one, written as CSV lines to ``path``."""
    fake = _faker(seed)
    prefixes = _prefixes()
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(("nik", "name", "sex", "birth_date", "address", "phone", "email"))
        for _ in range(count):
            woman = fake.random.random() < 0.52
            name = fake.name_female() if woman else fake.name_male()
            born = fake.date_of_birth(minimum_age=18, maximum_age=70)
            day = born.day + 40 if woman else born.day
            nik = (
                f"{fake.random_element(prefixes)}{day:02d}{born.month:02d}{born.year % 100:02d}"
                f"{fake.random_int(1, 9999):04d}"
            )
            out.writerow(
                (
                    nik,
                    name,
                    "F" if woman else "M",
                    born.isoformat(),
                    fake.address(),
                    fake.phone_number(),
                    fake.email(),
                )
            )


_FAKERS: dict[int, Faker] = {}


def _faker(seed: int) -> Faker:
    fake = _FAKERS.get(seed) or _FAKERS.setdefault(seed, Faker("id_ID"))
    fake.seed_instance(seed)
    return fake


def _prefixes() -> tuple[str, ...]:
    return tuple(d.nik_prefix for d in regions.districts())


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


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
        faker_people(folder / "warm-faker.csv", 100, params.seed)
        generate(folder / "warm.csv", 1_000, params.seed, AS_OF, progress=False)
        for repeat in range(1, params.repeats + 1):
            progress(f"repeat {repeat}/{params.repeats}: Faker")
            seconds = _timed(
                lambda: faker_people(folder / "faker.csv", params.faker_count, params.seed)
            )
            runs.append(_run(FAKER, repeat, params.faker_count, seconds))
            progress(f"repeat {repeat}/{params.repeats}: generator")
            seconds = _timed(
                lambda: generate(
                    folder / "population.csv", params.count, params.seed, AS_OF, progress=False
                )
            )
            runs.append(_run(GENERATOR, repeat, params.count, seconds))
    medians = {
        side: statistics.median(r["records_per_s"] for r in runs if r["side"] == side)
        for side in (FAKER, GENERATOR)
    }
    ratio = medians[GENERATOR] / medians[FAKER]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "parameters": {**asdict(params), "out": str(params.out)},
        "note": "Both sides run in one process on one core, interleaved; compare the ratio, "
        "not the absolute numbers (other work on the machine slows both alike).",
        "runs": runs,
        "medians": medians,
        "ratio": ratio,
        "goal": GOAL,
        "meets_goal": ratio >= GOAL,
    }
    params.out.parent.mkdir(parents=True, exist_ok=True)
    import json

    params.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


def _run(side: str, repeat: int, records: int, seconds: float) -> dict[str, Any]:
    return {
        "side": side,
        "repeat": repeat,
        "records": records,
        "seconds": seconds,
        "records_per_s": records / seconds,
    }


def table(result: dict[str, Any]) -> Table:
    """The medians and the ratio as a Rich table."""
    p = result["parameters"]
    out = Table(
        "side",
        "records per run",
        "median records/s",
        "x Faker",
        title="Population generator vs Faker one by one",
        caption=f"median of {p['repeats']} interleaved repeats; goal x{result['goal']:.0f}. "
        + result["note"],
    )
    sizes = {FAKER: p["faker_count"], GENERATOR: p["count"]}
    for side in (FAKER, GENERATOR):
        rate = result["medians"][side]
        out.add_row(
            side, f"{sizes[side]:,}", f"{rate:,.0f}", f"{rate / result['medians'][FAKER]:.1f}"
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
    console.print(f"Ratio x{result['ratio']:.1f} {verdict} the goal of x{GOAL:.0f}.")
    console.print(f"Written to {params.out}")


if __name__ == "__main__":
    main()
