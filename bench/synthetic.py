"""Synthetic settlements for the benchmark (and the workbook speed check): realistic shapes,
deterministic from a seed, built directly as engine input records."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from engine.model import (
    Adjustment,
    AdminFee,
    ContractObject,
    CostLine,
    FeeMode,
    Invoice,
    Settings,
    SettlementInput,
)


def synthetic_settlement(objects: int, accounts: int, *, seed: int = 1) -> SettlementInput:
    rng = random.Random(seed)
    start = date(2024, 1, 1)
    contract_objects = []
    total = Decimal(0)
    for k in range(objects):
        numerator = Decimal(rng.randint(2000, 40000)) / 100
        total += numerator
        late = timedelta(days=rng.randint(1, 300))
        lease_start = start if rng.random() < 0.8 else start + late
        length = timedelta(days=rng.randint(30, 400))
        lease_end = None if rng.random() < 0.85 else lease_start + length
        cap = Decimal(rng.randint(10_000, 90_000)) if rng.random() < 0.05 else None
        fixed = None
        if cap is None and rng.random() < 0.05:
            fixed = Decimal(rng.randint(10_000, 90_000))
        contract_objects.append(ContractObject(
            id=f"{1000 + k}-1", start=lease_start, end=lease_end, numerator=numerator,
            contract_no=str(1000 + k), contract_name=f"Leietaker {k} AS",
            customer_id="914778271", cap=cap, fixed=fixed, vat_liable=rng.random() < 0.9,
            invoiced=tuple(
                Invoice(f"F{k}-{q}", date(2024, 3 * q + 1, 1),
                        date(2024, 3 * q + 3, 30 if q in (1, 2) else 31),
                        Decimal(rng.randint(1000, 20000)))
                for q in range(4)),
        ))
    lines = [
        CostLine(account=str(6000 + a), name=f"Konto {a}",
                 amount=Decimal(rng.randint(-50_000, 5_000_000)) / 100,
                 full_distribution=rng.random() < 0.1)
        for a in range(accounts)
    ]
    adjustments = []
    for obj in rng.sample(contract_objects, max(1, objects // 10)):
        for line in rng.sample(lines, max(1, accounts // 20)):
            adjustments.append(Adjustment(
                obj.id, line.account, share_pct=Decimal(rng.choice([50, 80, 100])),
                factor=Decimal(rng.choice(["1", "1.5", "2", "0.75"])),
                participates=rng.random() < 0.8))
    settings = Settings(
        property="Benkegata 1", property_object="Benkegata 1", owner="Benk AS",
        period_start=start, interval_months=12,
        denominator=(total * Decimal("1.15")).quantize(Decimal("0.01")),
        minimum_invoice_amount=Decimal("100.00"),
        admin_fee=AdminFee(FeeMode.PERCENT, Decimal(5)),
    )
    return SettlementInput(settings, tuple(lines), tuple(contract_objects), tuple(adjustments))
