"""The workbook's number formats, defined once: the input layout and the engine's sheets share them.

Excel stores number formats in their en-US form (spec §9b): ``#,##0.00`` shows as ``1 234,50``
in a Norwegian Excel, ``dd.mm.yyyy`` as ``31.12.2024``. Never a "." followed only by "#"
(``0.##``): Excel then shows a whole number with a dangling decimal comma ("150,"); use General
or fixed decimals (``0.00##`` is fine).
"""

from __future__ import annotations

MONEY = "#,##0.00"
NUMBER = "General"
DECIMALS_4 = "#,##0.0000"  # fixed decimals: "#,##0.####" shows 150 as "150," in Excel
INTEGER = "0"
PERCENT = "0.00##%"  # 5 % → 5,00 %, 12,345 % → 12,345 %: what was typed stays visible
DATE = "dd.mm.yyyy"
DATETIME = "dd.mm.yyyy hh:mm"
TEXT = "@"  # Excel keeps what is typed (0042, 1-3) as text
