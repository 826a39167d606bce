"""What the demo data of `manage.py seed_demo` and the benchmark data of `bench/seed_bulk.py`
share: the demo logins' password, the hardware models, and valid organisation numbers."""

import random

DEMO_PASSWORD = "demo-ssa-2026"  # noqa: S105 - printed demo logins for a local trial only

MODELS = ["IP0011", "IP0013", "IP6010", "IP6013", "IP411", "IP811", "IPVA"]


def valid_org_number(rng: random.Random) -> str:
    """A nine-digit Norwegian organisation number starting with 9, with a valid MOD11 check
    digit (numbers whose check digit would be 10 are skipped, as Brønnøysund does)."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [9] + [rng.randint(0, 9) for _ in range(7)]
        check = (11 - sum(w * d for w, d in zip(weights, digits, strict=True)) % 11) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)
