"""The presenter of "More like this reading list" (issue 18): asks the worker to rank the library like a list, and
to remember suggestions dismissed for it (then asks again, so a dismissed one drops out at once)."""

from __future__ import annotations

from PySide6.QtCore import QObject

from litreview.gui.related_panel import RelatedPanel


def _more_like(services, list_id: int):
    from litreview.analysis.list_suggestions import more_like_list

    return more_like_list(services.library, list_id)


def _dismiss_and_rank(services, list_id: int, paper_ids: list[int]):
    from litreview.analysis.list_suggestions import dismiss

    dismiss(services.library, list_id, paper_ids)
    return _more_like(services, list_id)


class ListSuggestions(QObject):
    """Connects the related panel's list requests to worker queries (`client.query`, one channel, latest only)."""

    CHANNEL = "list-suggestions"

    def __init__(self, client, panel: RelatedPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client, self.panel = client, panel
        panel.sig_more_like_list_requested.connect(self.request)
        panel.sig_dismiss_requested.connect(self.dismiss)

    def request(self, list_id: int, name: str) -> int:
        """Rank the library like reading list `list_id` on the worker; the panel shows the answer."""
        self.panel.expect_list(list_id, name)
        return self.client.query(lambda services: _more_like(services, list_id), self.panel.show_list_answer,
                                 channel=self.CHANNEL, latest_only=True)

    def dismiss(self, list_id: int, paper_ids: object) -> int:
        """Store the dismissal for the list, then show the new ranking without them."""
        ids = [int(p) for p in paper_ids]  # type: ignore[union-attr]
        self.client.invalidate(self.CHANNEL)  # a ranking asked before the dismissal must not show after it
        # a channel of its own without latest-only: a dismissal is a write and is never dropped
        return self.client.query(lambda services: _dismiss_and_rank(services, list_id, ids),
                                 self.panel.show_list_answer, channel=self.CHANNEL + "-dismiss")
