"""The Excel face of avregn: worksheet functions (UDFs), the Felleskost ribbon and the .xlam.

A thin layer: it computes no money and decides no rule; it calls ``avregn.actions``
or the engine and turns problems into cell texts or one message box.

* ``udfs`` — ``AVREGN_MODELL`` reads and calculates the input blocks once and returns a
  handle; ``AVREGN_ANDEL``, ``AVREGN_REST``, ``AVREGN_BROK``, ``AVREGN_KR_PR_ENHET``,
  ``AVREGN_FORKLAR`` and ``AVREGN_BEREGNING`` look up in that model; ``AVREGN_VEKTET_TELLER``
  and ``AVREGN_VERSJON`` need none.
* ``ribbon`` — one callback per button and ``on_action(control_id)`` for the .xlam's VBA.
* ``live_book`` — ``XlwingsBook``, the book port (``avregn.book.BookPort``) over an open
  Excel workbook: the ribbon runs the same actions as the CLI, through it.
* ``messages`` — the message box text and the ``#AVREGN: …`` cell text.
* ``build`` — ``python -m addin.build`` writes ``avregn.xlam`` from ``xlam/`` (ribbon XML,
  VBA, config sheet); ``xlwings_windows`` runs xlwings' own Windows UDF code on Linux for it.

Nothing here needs Excel to import: the xlwings decorators are no-ops on Linux and the live
port only calls methods on the book it is given, so tests run it against
``tests/fake_xlwings.py``.
"""
