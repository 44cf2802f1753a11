"""The report on disk: tables as Parquet and CSV, ``summary.json`` and one offline HTML page.

Formatting only: every figure comes from a :class:`linkage.handoff.HandoffReport`; this package
computes nothing new. ``report.html`` is a single self-contained file (inline CSS, charts as
inline SVG drawn here, no script, no font, no link to any other file or site), so it opens
offline and can be mailed as is.

The parts: ``_files`` writes the files, ``_html`` lays out the page, ``_charts`` draws the SVG bar
charts. The report reads :mod:`linkage.handoff`, never the other way round: importing this package
registers :func:`write_report` as the writer behind :meth:`linkage.handoff.HandoffReport.write`
(see :func:`linkage.handoff.register_writer`).
"""

from __future__ import annotations

from linkage.handoff import register_writer
from linkage.report._files import check_out_dir, write_report
from linkage.report._html import REVIEW_ROWS, render_html

__all__ = ["REVIEW_ROWS", "check_out_dir", "render_html", "write_report"]

register_writer(write_report)
