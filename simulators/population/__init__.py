"""The synthetic population generator: ``prakerja population generate``.

Seeded, reproducible and fast; real region codes, structurally valid NIKs, family cards, Faker
id_ID vocabularies, the programme's demographics and a controlled share of every bad case with
its ground truth. See ``generator`` for how each case is built.
"""

from simulators.population.generator import Summary, chunk_texts, generate, write_population
from simulators.population.plan import DEFAULT_BAD_SHARE, Plan, PlanError, case_counts_for, plan
from simulators.population.reader import Person, case_counts, read_population

__all__ = [
    "DEFAULT_BAD_SHARE",
    "Person",
    "Plan",
    "PlanError",
    "Summary",
    "case_counts",
    "case_counts_for",
    "chunk_texts",
    "generate",
    "plan",
    "read_population",
    "write_population",
]
