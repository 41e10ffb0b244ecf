"""The presenter of "More like this reading list" (issue 18): asks the worker to rank the library like a list, to
remember suggestions dismissed for it (then asks again, so a dismissed one drops out at once), and to add a
suggested work the library lacks as a placeholder (then asks again: it is a library paper now)."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from litreview.gui.related_panel import RelatedPanel


def _more_like(services, list_id: int):
    from litreview.analysis.list_suggestions import more_like_list

    return more_like_list(services.library, list_id)


def _dismiss_and_rank(services, list_id: int, ids: list[int]):
    from litreview.analysis.list_suggestions import dismiss

    dismiss(services.library, list_id, ids)
    return _more_like(services, list_id)


def _placeholder_and_rank(services, list_id: int, work: dict):
    from litreview.analysis.placeholders import add_placeholder

    paper_id = add_placeholder(services.library, work)
    services.papers_changed()  # what the session derived from the papers is stale now
    return paper_id, _more_like(services, list_id)


class ListSuggestions(QObject):
    """Connects the related panel's list requests to worker queries (`client.query`, one channel, latest only).

    Emits `sig_placeholder_added(paper_id)` when a suggested work became a placeholder paper (the window re-reads
    its table)."""

    CHANNEL = "list-suggestions"
    sig_placeholder_added = Signal(int)

    def __init__(self, client, panel: RelatedPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client, self.panel = client, panel
        panel.sig_more_like_list_requested.connect(self.request)
        panel.sig_dismiss_requested.connect(self.dismiss)
        panel.sig_placeholder_requested.connect(self.add_placeholder)

    def request(self, list_id: int, name: str) -> int:
        """Rank the library like reading list `list_id` on the worker; the panel shows the answer."""
        self.panel.expect_list(list_id, name)
        return self.client.query(lambda services: _more_like(services, list_id), self.panel.show_list_answer,
                                 channel=self.CHANNEL, latest_only=True)

    def dismiss(self, list_id: int, ids: object) -> int:
        """Store the dismissal for the list (paper ids, -work id for a missing work), then show the new ranking."""
        ids = [int(p) for p in ids]  # type: ignore[union-attr]
        self.client.invalidate(self.CHANNEL)  # a ranking asked before the dismissal must not show after it
        # a channel of its own without latest-only: a dismissal is a write and is never dropped
        return self.client.query(lambda services: _dismiss_and_rank(services, list_id, ids),
                                 self.panel.show_list_answer, channel=self.CHANNEL + "-dismiss")

    def add_placeholder(self, list_id: int, work: object) -> int:
        """Add a suggested missing work to the library as a placeholder, then show the new ranking."""
        item = dict(work)  # type: ignore[call-overload]
        self.client.invalidate(self.CHANNEL)
        return self.client.query(lambda services: _placeholder_and_rank(services, list_id, item),
                                 self._placeholder_added, channel=self.CHANNEL + "-placeholder")

    def _placeholder_added(self, reply) -> None:
        if reply.error:
            self.panel.show_list_answer(reply)
            return
        paper_id, answer = reply.value
        self.panel.show_list_answer(replace(reply, value=answer))
        self.sig_placeholder_added.emit(int(paper_id))
