"""How ``custode apply`` tells what it did."""

from __future__ import annotations

from typing import TextIO

from custode.config.apply import Report

_SIGNS = {"created": "+", "updated": "~", "removed": "-"}


def print_report(report: Report, out: TextIO) -> None:
    for change in report.changes.values():
        if change.action in _SIGNS:
            detail = f" ({', '.join(change.fields)})" if change.action == "updated" else ""
            out.write(f"{_SIGNS[change.action]} {change.kind} {change.key}{detail}\n")
    if report.kept:
        names = ", ".join(f"{kind} {key}" for kind, key in report.kept[:10])
        more = f" and {len(report.kept) - 10} more" if len(report.kept) > 10 else ""
        out.write(f"= kept, not in the file: {names}{more} (use --prune to remove)\n")
    counts = ", ".join(f"{report.count(a)} {a}" for a in ("created", "updated", "removed", "unchanged"))
    if not report.changed:
        out.write(f"No changes ({report.count('unchanged')} unchanged).\n")
    elif report.dry_run:
        out.write(f"Dry run, nothing applied: would be {counts}.\n")
    else:
        out.write(f"Applied: {counts}.\n")
