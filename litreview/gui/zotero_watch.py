"""Zotero and a watched folder in the app (issue #17): File → "Import from Zotero…", the watched folder that
imports new or changed PDFs and .bib files while the app runs, and the start-up check for Zotero changes.

Everything reads files on the worker: a GUI-thread QTimer only asks the worker to poll the folder (the stat()
and end-marker checks of litreview.watch.FolderWatcher run there), then hands what is ready to the ordinary
import job, with its import log and duplicate rules. The settings live in the app's QSettings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, QTimer, Slot
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLineEdit, QWidget

from litreview.workers.messages import JobOutcome, Reply

WATCH_FOLDER_KEY = "watch/folder"
WATCH_ENABLED_KEY = "watch/enabled"
ZOTERO_ON_START_KEY = "zotero/check_on_start"
POLL_INTERVAL_MS = 2000


def _flag(settings: QSettings, key: str) -> bool:
    return str(settings.value(key, "false")).lower() in ("true", "1")


def recorded_zotero_sources(library: Any) -> list[str]:
    """The Zotero databases this library imported before: the import log's path of each entry that is a linked
    Zotero item (zotero_sync logs every item against its zotero.sqlite), newest first, those still on disk."""
    rows = library.conn.execute(
        "SELECT l.path, MAX(l.id) AS last FROM import_log l JOIN zotero_items z ON z.zotero_id = l.entry "
        "GROUP BY l.path ORDER BY last DESC"
    ).fetchall()
    return [row[0] for row in rows if Path(row[0]).exists()]


class WatchSettingsBox(QWidget):
    """The rows the Settings dialog shows for the watched folder and the start-up Zotero check."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.folder = QLineEdit(str(settings.value(WATCH_FOLDER_KEY, "") or ""))
        self.folder.setPlaceholderText("A folder whose new PDFs and .bib files are imported while the app runs")
        from litreview.gui.file_dialogs import path_row  # with the Settings dialog, not at start-up (#20)

        row = path_row(self, self.folder, "Watched folder")
        row.setContentsMargins(0, 0, 0, 0)
        self.watch = QCheckBox("Import new and changed PDFs and .bib files from this folder")
        self.watch.setChecked(_flag(settings, WATCH_ENABLED_KEY))
        self.zotero_on_start = QCheckBox("Check Zotero for changes when the app starts")
        self.zotero_on_start.setChecked(_flag(settings, ZOTERO_ON_START_KEY))
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Watched folder", row)
        form.addRow("", self.watch)
        form.addRow("Zotero", self.zotero_on_start)

    def save(self) -> None:
        self.settings.setValue(WATCH_FOLDER_KEY, self.folder.text().strip())
        self.settings.setValue(WATCH_ENABLED_KEY, self.watch.isChecked())
        self.settings.setValue(ZOTERO_ON_START_KEY, self.zotero_on_start.isChecked())
        self.settings.sync()


class ZoteroWatch(QObject):
    """Lives on the GUI thread. `start_import(paths)` starts the import job and returns its id (the window's)."""

    def __init__(self, client: Any, settings: QSettings, start_import: Callable[[list[str]], int | None],
                 *, interval_ms: int = POLL_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.settings = settings
        self._start_import = start_import
        self._watcher: Any = None  # a litreview.watch.FolderWatcher, polled on the worker only
        self._polling = False
        self._import_job: int | None = None
        self._importing: list[Any] = []
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.poll)
        client.sig_job_done.connect(self._on_job_done)

    @property
    def folder(self) -> Path | None:
        return self._watcher.folder if self._watcher is not None else None

    def apply_settings(self) -> None:
        """Start, move or stop the watcher as the settings say."""
        text = str(self.settings.value(WATCH_FOLDER_KEY, "") or "").strip()
        folder = Path(text).expanduser() if text else None
        if not _flag(self.settings, WATCH_ENABLED_KEY) or folder is None:
            self.stop()
            return
        if self._watcher is None or self._watcher.folder != folder.resolve():
            from litreview.watch import FolderWatcher

            self._watcher = FolderWatcher(folder.resolve())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._watcher = None

    @Slot()
    def poll(self) -> None:
        """Ask the worker which files became ready (skipped while a poll or the watcher's import is in flight)."""
        watcher = self._watcher
        if watcher is None or self._polling or self._import_job is not None:
            return
        self._polling = True

        def ready(services: Any) -> list[Any]:
            return watcher.poll() if watcher.folder.is_dir() else []

        self.client.query(ready, lambda reply: self._on_ready(watcher, reply), channel="watch")

    def _on_ready(self, watcher: Any, reply: Reply) -> None:
        self._polling = False
        if watcher is not self._watcher or not reply.ok or not reply.value:
            return
        self._importing = list(reply.value)
        self._import_job = self._start_import([str(path) for path in self._importing])

    @Slot(object)
    def _on_job_done(self, outcome: JobOutcome) -> None:
        if self._import_job is None or outcome.job_id != self._import_job:
            return
        self._import_job = None
        if self._watcher is not None and outcome.status != "cancelled":
            self._watcher.mark_done(self._importing)  # a failed file is in the import log; it is retried if it changes
        self._importing = []

    def check_zotero_on_start(self) -> int | None:
        """When the setting is on, ask the worker for the Zotero libraries imported before, then re-import them
        (the sync applies only what changed). Returns the query's request id."""
        if not _flag(self.settings, ZOTERO_ON_START_KEY):
            return None
        return self.client.query(lambda services: recorded_zotero_sources(services.library), self._on_sources,
                                 channel="zotero-start")

    def _on_sources(self, reply: Reply) -> None:
        if reply.ok and reply.value:
            self._start_import(list(reply.value))


def zotero_source(parent: QWidget) -> str | None:
    """Zotero's data directory on this computer, else the folder the user picks (None when cancelled)."""
    from litreview.ingest.zotero import default_data_dir

    found = default_data_dir()
    if found is not None:
        return str(found)
    from litreview.gui.file_dialogs import existing_directory

    return existing_directory(parent, "Zotero data directory (the folder holding zotero.sqlite)") or None
