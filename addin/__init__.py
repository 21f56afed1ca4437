"""The Excel face of avregn: worksheet functions (UDFs) and ribbon callbacks over xlwings.

A thin layer: it computes no money and decides no rule; it calls ``avregn.actions``
or the engine and turns problems into cell texts or one message box.
"""
