"""The OOXML package layer: xlsx/xlsm files as zips of XML parts, and nothing about settlements.

What lives here is what any program that writes into a user's Excel workbook without losing
anything needs: the package and its relationships (``package``), the one cell-reference parser
(``cells``), text edits of XML parts (``xmltext``), the safety pre-check every reader and writer
runs first (``safety``), style merging (``styles``), transplanting engine-built sheets
(``transplant``), in-place cell edits (``cell_edit``), Excel tables and their growth
(``tables``), and saving (``save``: the writers' lock, the identity check, the atomic replace
and the backup). Errors are ``errors.WorkbookError`` carrying ``Issue`` values (where, message)
in Norwegian; the settlement layers turn them into their own problems at their edge.

Nothing here imports ``engine``, ``avregn.workbook`` or ``avregn.actions``
(tests/test_architecture.py checks it).
"""
