"""The avregn application: workbook I/O, actions, outputs and the ``avregn`` CLI.

It stands beside the pure ``engine`` package (which it imports) and under the thin
``addin`` package (which imports it).
"""
