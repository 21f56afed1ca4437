"""The Excel face of avregn: worksheet functions (UDFs) and ribbon callbacks over xlwings.

A thin layer: it computes no money and decides no rule; it calls ``avregn.actions``
or the engine and turns problems into cell texts or one message box.

* ``live_book`` — ``XlwingsBook``, the book port (``avregn.book.BookPort``) over an open
  Excel workbook: the ribbon runs the same actions as the CLI, through it.
* ``ribbon`` — one callback per button and ``on_action(control_id)`` for the .xlam's VBA.
* ``udfs`` — ``AVREGN_ANDEL``, ``AVREGN_REST``, ``AVREGN_VERSJON``: one calculation per
  distinct input, cheap lookups per cell.
* ``messages`` — the message box text and the ``#AVREGN: …`` cell text.

Nothing here needs Excel to import: the xlwings decorators are no-ops on Linux and the live
port only calls methods on the book it is given, so tests run it against
``tests/fake_xlwings.py``.
"""
