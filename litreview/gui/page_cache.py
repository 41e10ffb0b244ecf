"""Rendered PDF pages for the reader (issue 19): a small cache, filled ahead in a child process.

The page asked for is rendered at once on the GUI thread (the user waits for it anyway); its neighbours are
rendered ahead in a spawned child (litreview.ingest.pdf.render), because MuPDF holds the GIL while it renders:
on a thread of this process it would freeze the window as long as a page takes (up to a second for a page of
images). The child's pixels arrive through a queued signal and wait in the cache for the page turn.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

if TYPE_CHECKING:  # importing litreview.ingest.pdf compiles the readers' patterns: not at start-up
    from litreview.ingest.pdf.render import RenderedPage

Key = tuple[str, int, float]  # (path, page from 1, zoom in pixels a point)
CACHED_PAGES = 12
RENDER_WAIT_S = 10.0  # the longest wait for a page the child is rendering before it is rendered here


def to_image(rendered: RenderedPage) -> QImage:
    """The pixels as a QImage that owns its memory."""
    image = QImage(rendered.samples, rendered.width, rendered.height, rendered.stride, QImage.Format.Format_RGB888)
    return image.copy()


class PageCache(QObject):
    """Rendered pages by (path, page, zoom), the most recent CACHED_PAGES kept; `prefetch` renders in a child."""

    sig_arrived = Signal(object)  # Key: a prefetched page is in the cache
    _sig_done = Signal(object, object)  # (Key, Future) from the executor's thread, queued to this object's thread

    def __init__(self, parent: QObject | None = None, *, in_child: bool = True) -> None:
        super().__init__(parent)
        self.in_child = in_child
        self._images: OrderedDict[Key, QImage] = OrderedDict()
        self._pending: dict[Key, Future] = {}
        self._pool = None
        self._sig_done.connect(self._arrived)

    def get(self, key: Key) -> QImage | None:
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def put(self, key: Key, image: QImage) -> None:
        self._images[key] = image
        self._images.move_to_end(key)
        while len(self._images) > CACHED_PAGES:
            self._images.popitem(last=False)

    def render(self, key: Key, doc: Any) -> QImage:
        """The page from the cache, else rendered here and now from `doc`, the open document of the key's path
        (raises when MuPDF cannot render it)."""
        from litreview.ingest.pdf.render import render_document_page

        image = self.get(key)
        if image is not None:
            return image
        future = self._pending.pop(key, None)
        if future is not None and not future.cancel():  # the child is at it already: its page comes sooner
            try:
                image = to_image(future.result(timeout=RENDER_WAIT_S))
            except Exception:  # noqa: BLE001 - the child failed or is stuck: render here, where a failure is shown
                image = None
        if image is None:
            image = to_image(render_document_page(doc, key[1], key[2]))
        self.put(key, image)
        return image

    def prefetch(self, keys: Iterable[Key]) -> None:
        """Render these pages ahead in the child (a page already cached or on its way is skipped)."""
        if not self.in_child:
            return
        for key in keys:
            if key in self._images or key in self._pending:
                continue
            from litreview.ingest.pdf.render import render_page

            future = self._executor().submit(render_page, *key)
            self._pending[key] = future
            future.add_done_callback(lambda done, key=key: self._sig_done.emit(key, done))

    def pending(self) -> int:
        return len(self._pending)

    def forget(self, path: str) -> None:
        """Drop the pages of `path` (the document was closed)."""
        for key in [key for key in self._images if key[0] == path]:
            del self._images[key]

    @Slot(object, object)
    def _arrived(self, key: Key, future: Future) -> None:
        if self._pending.get(key) is not future:
            return
        del self._pending[key]
        if future.cancelled() or future.exception() is not None:
            return  # rendered on demand later, where a failure is shown
        self.put(key, to_image(future.result()))
        self.sig_arrived.emit(key)

    def _executor(self):
        if self._pool is None:
            from litreview.ingest.pdf_process import background_pool

            self._pool = background_pool()
        return self._pool

    def close(self) -> None:
        """Stop the child (after the page it is rendering, if any); pages on their way are dropped."""
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
