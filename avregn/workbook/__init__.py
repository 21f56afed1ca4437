"""The settlement workbook: its sheet layout, template, reader, result sheets and text numbers.

How an xlsx package is read and written safely (parts, styles, cell edits, saving) is
``avregn.xlsx``, which knows nothing of settlements.
"""
