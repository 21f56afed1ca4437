"""The avregn engine: the felleskost settlement as pure, exact arithmetic.

Nothing here touches files, Excel, the clock or the terminal: callers hand in an
input model (``engine.model``) and get back a result (``engine.result``) or a list
of problems (``engine.problems``). See ``../shared/spec/felleskost.md`` §4–§7.
"""
