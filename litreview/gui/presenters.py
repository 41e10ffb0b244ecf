"""What the user reads about a job: the sentences of the status bar, made from plain outcome values (no widgets,
so they are tested without a window)."""

from __future__ import annotations

from litreview.core.ops import JobKind
from litreview.core.text import count_of
from litreview.workers.messages import ImportCounts, JobOutcome


def describe_outcome(outcome: JobOutcome) -> str:
    """A short sentence for the status bar ("" when a job had nothing to do and nothing to say)."""
    kind = outcome.kind
    if outcome.status == "cancelled":
        return f"{kind.capitalize()} cancelled; what was done is kept (run it again to resume)"
    if outcome.status == "failed":
        return f"{kind.capitalize()} failed: {outcome.error}"
    done = _describe_result(kind, outcome.result)
    warning = outcome.warning
    if not warning:
        return done
    return f"{done}; {warning}" if done else warning[:1].upper() + warning[1:]


def _describe_result(kind: JobKind, result: ImportCounts | int | str | None) -> str:
    if isinstance(result, ImportCounts):
        parts = [f"{result.imported} imported"]
        if result.updated:
            parts.append(f"{result.updated} updated")
        if result.removed:
            parts.append(f"{result.removed} removed")
        if result.duplicates:
            parts.append(count_of(result.duplicates, "duplicate"))
        if result.failed:
            parts.append(f"{len(result.failed)} failed (see the import log)")
        return "Import done: " + ", ".join(parts)
    if kind == JobKind.RESUME:  # papers embedded, or a sentence when passages were indexed too
        if result is None or isinstance(result, str):
            return result or ""
        return f"Embedded {count_of(result, 'paper')}"
    if kind in (JobKind.EMBED, JobKind.EDIT):
        return f"Embedded {count_of(result or 0, 'paper')}"
    if kind == JobKind.CLUSTER:
        return f"Clustered the library into {count_of(result or 0, 'group')}"
    if kind == JobKind.DOWNLOAD:
        return f"Downloaded the model to {result}" if result else "Model downloaded"
    return f"{kind} done"
