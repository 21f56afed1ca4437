"""The settlement workbook: its sheet layout, template, reading and (safe) writing of xlsx files."""
