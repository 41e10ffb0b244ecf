"""The main window: library table, details, related work, reading lists, import log, search and progress.

Composed in a few readable steps. It reads through a `LibraryReader` (GUI thread, read-only connection) and
asks for every write and every long or model-backed answer through a worker client (`WorkerClient` in the app,
`SyncWorkerClient` in some tests); it never touches torch, hnswlib or a write connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelectionModel, QModelIndex, QPoint, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QSplitter,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from litreview.core.progress import EMBED_PASSAGES_STAGE, SPLIT_PASSAGES_STAGE
from litreview.core.text import count_of
from litreview.gui.details_pane import DetailsPane
from litreview.gui.lazy_dock import LazyDock
from litreview.gui.library_reader import LibraryReader
from litreview.gui.map_panel import MapPanel
from litreview.gui.merge_action import MergeAction
from litreview.gui.paper_actions import PaperActions
from litreview.gui.paper_table_model import PaperTableModel
from litreview.gui.presenters import describe_outcome
from litreview.gui.reading_lists_panel import ReadingListsPanel
from litreview.gui.related_panel import RelatedPanel
from litreview.gui.search_results import SEARCH_PAGE, results_text  # #15
from litreview.gui.zotero_watch import WatchSettingsBox, ZoteroWatch, zotero_source  # (#17)
from litreview.workers.messages import JobOutcome, JobProgress, Reply

if TYPE_CHECKING:
    from litreview.analysis.clusters import MapData
    from litreview.core.ops import Services
    from litreview.core.paper import Paper
    from litreview.gui.import_log_panel import ImportLogPanel
    from litreview.gui.screening_view import ScreeningView
    from litreview.library.lists import ReadingLists
    from litreview.library.settings import ModelChoice

STATUS_WIDEST = "not embedded, 99 warnings"
SEARCH_MODES = (("Filter", "filter"), ("Keyword", "keyword"), ("Semantic", "semantic"), ("Hybrid", "hybrid"),
                ("Passages", "passages"))  # passages: full-text passage search (issue 19)
log = logging.getLogger(__name__)
APP_ICON = Path(__file__).resolve().parents[2] / "resources" / "icons" / "app" / "litreview.svg"


def importable_paths(paths: Sequence[Path]) -> list[Path]:
    """The dropped paths the importer can take: folders, and files of a registered format (judged by name)."""
    from litreview.ingest.registry import default_registry

    readers = default_registry()
    return [p for p in paths if p.is_dir() or readers.accepts_name(p)]


def _log_failure(reply: Reply) -> None:
    """The reply handler of a query whose answer nobody waits for (a failure is a bug worth a warning)."""
    if not reply.ok:
        log.warning("background query failed: %s", reply.error)


def _stored_map(services: Services) -> MapData | None:
    """On the worker: the stored map of the serving model. The clusters module (numpy, its dataclasses) loads
    there rather than on the GUI thread, where it took the window 10 ms in its first second."""
    from litreview.analysis.clusters import serving_map

    return serving_map(services)


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    return f"about {seconds // 60} min {seconds % 60:02d} s left" if seconds >= 60 else f"about {seconds} s left"


def describe_progress(progress: JobProgress) -> str:
    text = progress.message or progress.stage.capitalize()
    if progress.total:
        text = f"{progress.stage.capitalize()} {progress.done}/{progress.total}"
    if progress.current:
        text += f" — {Path(progress.current).name}"
    eta = format_eta(progress.eta_seconds)
    return f"{text} ({eta})" if eta else text


class MainWindow(QMainWindow):
    """Lives on the GUI thread. `client` is a WorkerClient or SyncWorkerClient (same interface)."""

    def __init__(self, reader: LibraryReader, client, *, settings: QSettings | None = None,
                 export_folder: Path | None = None, related_k: int = 10, resume_on_start: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reader = reader
        self.client = client
        self.settings = settings if settings is not None else QSettings("litreview", "litreview")
        self.export_folder = export_folder
        self.related_k = related_k
        self.last_export: Path | None = None
        self._last_table_reload = 0.0
        self._progress_stage = ""  # the stage of the running job, to reload the table when one ends
        self._back: list[int] = []  # papers left by following a reference or a related paper, latest last
        self.setWindowTitle(f"litreview — {Path(reader.library.path).name}")
        if APP_ICON.exists():
            self.setWindowIcon(QIcon(str(APP_ICON)))
        self.setAcceptDrops(True)
        self._create_central()
        self._create_docks()
        self._create_status_bar()
        self._create_actions()
        self._create_menus()
        self._connect_signals()
        self.table_model.reload()
        self.refresh_lists()
        self.refresh_import_log()
        self._update_counts()
        self._restore_state()
        self._closed = False
        self._resume_on_start = resume_on_start
        self._start_timer.start()  # after the window is up: these import numpy on the worker

    # -- composition -------------------------------------------------------------------------------------------
    def _create_central(self) -> None:
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Filter or search the library (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_mode = QComboBox()
        for label, mode in SEARCH_MODES:
            self.search_mode.addItem(label, mode)
        self.search_mode.setToolTip("Filter: instant full-text filter. Keyword/Semantic/Hybrid: ranked search.")
        self.results_label = QLabel()
        self.clear_results_button = QToolButton()
        self.clear_results_button.setText("Show whole library")
        self.clear_results_button.hide()
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.search_mode)
        search_row.addWidget(self.results_label)
        search_row.addWidget(self.clear_results_button)

        self.table_model = PaperTableModel(self.reader, parent=self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        # the indicator first: enabling sorting then asks the model for the order it already has (no re-read)
        self.table.horizontalHeader().setSortIndicator(4, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setDragEnabled(True)
        self.table.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 130), (2, 44), (3, 90), (4, 84)):
            header.resizeSection(column, width)
        # Status reads "not embedded, 12 warnings" at worst: wide enough for that in the table's font.
        header.resizeSection(5, self.table.fontMetrics().horizontalAdvance(STATUS_WIDEST) + 24)

        self.details = DetailsPane()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(search_row)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(150)
        self._related_timer = QTimer(self)
        self._related_timer.setSingleShot(True)
        self._related_timer.setInterval(120)
        self._start_timer = QTimer(self)  # a member, not a singleShot: closing the window stops it
        self._start_timer.setSingleShot(True)
        self._start_timer.setInterval(300)
        self._start_timer.timeout.connect(self._after_start)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _lazy_dock(self, title: str, name: str, build: Callable[[], QWidget], area: Qt.DockWidgetArea) -> LazyDock:
        """A dock that starts hidden: its content (and its module) is made on first show (start-up time, #20)."""
        dock = LazyDock(title, name, build, self)
        self.addDockWidget(area, dock)
        dock.hide()
        return dock

    def _create_docks(self) -> None:
        self.related = RelatedPanel()
        right, left = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.LeftDockWidgetArea
        self.related_dock = self._dock("Related work", "related_dock", self.related, right)
        from litreview.gui.list_suggestions import ListSuggestions  # "More like this reading list" (issue 18)

        self.list_suggestions = ListSuggestions(self.client, self.related, self)
        self.lists = ReadingListsPanel()
        self.lists_dock = self._dock("Reading lists", "lists_dock", self.lists, left)
        self.log_dock = self._lazy_dock("Import log", "import_log_dock", self._build_import_log,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.map = MapPanel()
        self.map_dock = self._dock("Map", "map_dock", self.map, right)
        self.splitDockWidget(self.related_dock, self.map_dock, Qt.Orientation.Vertical)
        from litreview.gui.missing_panel import MissingPanel  # "Missing from your library" (#16)

        self.missing = MissingPanel(list_source=lambda: [(e["id"], e["name"]) for e in self.reader.reading_lists()])
        self.missing_dock = self._dock("Missing from your library", "missing_dock", self.missing, right)
        self.tabifyDockWidget(self.related_dock, self.missing_dock)
        self.related_dock.raise_()

        from litreview.gui.passages_feature import PassagesFeature  # passages, evidence, reader (issue 19)

        self.passages = PassagesFeature(self)

        # screening view (#18)
        self.screening_dock = self._lazy_dock("Screening", "screening_dock", self._build_screening, right)

    def _build_import_log(self) -> ImportLogPanel:
        from litreview.gui.import_log_panel import ImportLogPanel

        panel = ImportLogPanel()
        panel.sig_reimport.connect(self.reimport_with_encoding)  # re-import with another encoding (#15)
        panel.set_rows(self.reader.import_log())
        return panel

    @property
    def import_log(self) -> ImportLogPanel:
        return self.log_dock.content()

    def _build_screening(self) -> ScreeningView:  # screening view (#18)
        from litreview.gui.screening_view import ScreeningView

        view = ScreeningView(self.client, self.reader)
        view.sig_message.connect(self.on_error)
        return view

    @property
    def screening(self) -> ScreeningView:
        return self.screening_dock.content()

    def _create_status_bar(self) -> None:
        self.progress_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.count_label = QLabel()
        bar = self.statusBar()
        bar.addPermanentWidget(self.progress_label)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)
        bar.addPermanentWidget(self.count_label)
        self._show_progress(False)

    def _create_actions(self) -> None:
        style = self.style()

        def action(text: str, slot, shortcut: QKeySequence | str | None = None,
                   icon: QStyle.StandardPixmap | None = None) -> QAction:
            act = QAction(text, self)
            if shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            if icon is not None:
                act.setIcon(style.standardIcon(icon))
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.import_action = action("&Import files…", self.choose_import_files, QKeySequence.StandardKey.Open,
                                    QStyle.StandardPixmap.SP_DialogOpenButton)
        self.import_folder_action = action("Import &folder…", self.choose_import_folder, "Ctrl+Shift+O",
                                           QStyle.StandardPixmap.SP_DirOpenIcon)
        self.cancel_action = action("&Cancel import", self.client.cancel, None,
                                    QStyle.StandardPixmap.SP_DialogCancelButton)
        self.cancel_action.setEnabled(False)
        self.back_action = action("&Back", self.go_back, QKeySequence.StandardKey.Back,
                                  QStyle.StandardPixmap.SP_ArrowBack)
        self.back_action.setToolTip("Back to the paper you came from (a reference, a citing or related paper)")
        self.back_action.setEnabled(False)
        self.related_action = action("Find &related", self.find_related_now, "Ctrl+R",
                                     QStyle.StandardPixmap.SP_FileDialogContentsView)
        self.search_action = action("&Search", self.focus_search, QKeySequence.StandardKey.Find)
        self.export_selection_action = action("&Export selection…", self.export_selection, "Ctrl+E",
                                              QStyle.StandardPixmap.SP_DialogSaveButton)
        self.embed_action = action("Embed &missing papers", self.embed_missing)
        self.cluster_action = action("Cluster the &library", self.cluster_library)
        self.settings_action = action("Se&ttings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.edit_action = action("&Edit title/abstract", self.details.start_editing, "F2")
        self.open_reader_action = action("Open in &reader", self.passages.open_selected_in_reader)  # reader (issue 19)
        self.paper_actions = PaperActions(self)  # trash, undo/redo and the edit dialog (issue #14)
        self.merge_action = MergeAction(self)  # merge selected papers, split on undo (issue #14)
        # screening view (#18): started from the Library menu
        self.screen_library_action = action("Screen the whole li&brary", self.screen_library)
        self.screen_list_action = action("Screen the current reading &list", self.screen_list)
        # Zotero and the watched folder (#17)
        self.import_zotero_action = action("Import from &Zotero…", self.import_from_zotero)
        self.zotero_watch = ZoteroWatch(self.client, self.settings, self.start_import_job, parent=self)

    def _create_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for act in (self.import_action, self.import_folder_action, self.import_zotero_action, self.cancel_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.export_selection_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        menu.addMenu("&Edit").addActions(self.paper_actions.menu_actions())  # trash and undo (issue #14)
        paper_menu = menu.addMenu("&Paper")
        for act in (self.back_action, self.related_action, self.edit_action, self.search_action,
                    self.open_reader_action):
            paper_menu.addAction(act)
        library_menu = menu.addMenu("&Library")
        for act in (self.embed_action, self.cluster_action, self.settings_action,
                    self.screen_library_action, self.screen_list_action):  # screening (#18)
            library_menu.addAction(act)
        view_menu = menu.addMenu("&View")
        for dock in (self.related_dock, self.missing_dock, self.screening_dock, self.map_dock, self.lists_dock,
                     self.log_dock, *self.passages.docks):
            view_menu.addAction(dock.toggleViewAction())
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main_toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for act in (self.import_action, self.import_folder_action, self.back_action, self.related_action,
                    self.export_selection_action):
            toolbar.addAction(act)

    def _connect_signals(self) -> None:
        client, lists, related = self.client, self.lists, self.related
        wiring = (
            # the worker's relays (GUI thread)
            (client.sig_progress, self.on_progress), (client.sig_job_done, self.on_job_done),
            (client.sig_papers_changed, self.on_papers_changed), (client.sig_error, self.on_error),
            (client.sig_busy_changed, self.on_busy_changed),
            # the table, search and details
            (self.table.selectionModel().currentRowChanged, self.on_current_row_changed),
            (self.table.customContextMenuRequested, self.show_table_menu),
            (self.table_model.modelReset, self._update_counts), (self.cancel_button.clicked, client.cancel),
            (self.search_box.textChanged, self._filter_timer.start), (self.search_box.returnPressed, self.run_search),
            (self.search_mode.currentIndexChanged, self.run_search), (self._filter_timer.timeout, self.run_search),
            (self.clear_results_button.clicked, self.clear_search),
            (self.table_model.modelReset, self._show_sort_arrow),  # #15
            (self.table_model.modelReset, self._tell_map_library_size),  # #15
            (self.map.sig_map_drawn, self._tell_map_library_size),  # #15
            (self.results_label.linkActivated, self.show_more),  # #15
            (self._related_timer.timeout, self.find_related_now),
            (self.details.sig_edit_requested, self.on_edit_requested),
            (self.details.sig_navigate_requested, self.follow_to),  # references / cited by (#16)
            # the panels' requests
            (self.map.sig_paper_clicked, self.select_paper), (self.map.sig_recluster_requested, self.cluster_library),
            (related.sig_navigate_requested, self.follow_to), (related.sig_add_to_list_requested, self.add_to_list),
            (related.sig_export_requested, self.export_related),
            (lists.sig_create_requested, self.create_list), (lists.sig_rename_requested, self.rename_list),
            (lists.sig_delete_requested, self.delete_list), (lists.sig_add_requested, self.add_to_list),
            (lists.sig_remove_requested, self.remove_from_list), (lists.sig_reorder_requested, self.reorder_list),
            (lists.sig_note_requested, self.set_note), (lists.sig_export_requested, self.export_list),
            (lists.sig_list_selected, self.show_list_items), (lists.sig_navigate_requested, self.select_paper),
            # "Missing from your library" (#16)
            (self.missing.sig_refresh_requested, self.request_missing),
            (client.sig_papers_changed, self.request_missing), (self._start_timer.timeout, self.request_missing),
            (self.missing_dock.visibilityChanged, self.request_missing),
            (self.missing.sig_export_requested, self.export_missing),
            (self.missing.sig_placeholder_requested, self.add_placeholder),
            (self.list_suggestions.sig_placeholder_added, self.on_list_placeholder_added),  # list suggestions (#18)
            (self._start_timer.timeout, self.zotero_watch.apply_settings),  # watched folder (#17)
            (self._start_timer.timeout, self.zotero_watch.check_zotero_on_start),  # Zotero changes at start (#17)
        )
        for signal, slot in wiring:
            signal.connect(slot)

    # -- state -------------------------------------------------------------------------------------------------
    def _restore_state(self) -> None:
        geometry = self.settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = self.settings.value("main/state")
        self._layout_restored = isinstance(state, QByteArray) and not state.isEmpty()
        if self._layout_restored:
            self.restoreState(state)
        splitter = self.settings.value("main/splitter")
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([480, 320])
        mode = self.settings.value("main/search_mode")
        if isinstance(mode, str) and self.search_mode.findData(mode) >= 0:
            self.search_mode.setCurrentIndex(self.search_mode.findData(mode))

    def save_state(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/state", self.saveState())
        self.settings.setValue("main/splitter", self.splitter.saveState())
        self.settings.setValue("main/search_mode", self.search_mode.currentData())
        self.settings.sync()

    def showEvent(self, event: QShowEvent) -> None:
        """The first time, without a saved layout: give the table most of the width, the panels the rest."""
        super().showEvent(event)
        if not self._layout_restored:
            self._layout_restored = True
            width, height = self.width(), self.height()
            self.resizeDocks([self.lists_dock, self.related_dock], [int(width * 0.18), int(width * 0.32)],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.related_dock, self.map_dock], [int(height * 0.45), int(height * 0.4)],
                             Qt.Orientation.Vertical)

    @Slot()
    def _after_start(self) -> None:
        if self._closed:
            return
        self.request_map()
        from litreview.pipeline.jobs import prepare_import

        self.client.query(prepare_import, _log_failure)  # on the worker: the first drop finds the readers loaded
        if self._resume_on_start:
            from litreview.pipeline.jobs import resume_job

            self.client.start(resume_job())  # an import cut short last time, or vectors missing for the library's model

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout and cancel running jobs; the app then shuts the worker down (cancel, save, join)."""
        self._closed = True
        self._start_timer.stop()
        self.zotero_watch.stop()  # watched folder (#17)
        self._related_timer.stop()
        self._filter_timer.stop()
        self.save_state()
        self.client.cancel()
        event.accept()

    # -- table, details, related -------------------------------------------------------------------------------
    def current_paper_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.table_model.paper_id(index.row()) if index.isValid() else None

    def selected_paper_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        ids = [self.table_model.paper_id(row) for row in rows]
        result = [pid for pid in ids if pid is not None]
        current = self.current_paper_id()
        return result or ([current] if current is not None else [])

    @Slot(QModelIndex, QModelIndex)
    def on_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        pid = self.table_model.paper_id(current.row()) if current.isValid() else None
        if pid is None:
            self.details.show_paper(None)
            self.related.clear()
            self.client.invalidate("related")
            return
        paper = self.reader.paper(pid)
        self.details.show_paper(paper)
        self.map.highlight(pid)
        self.related.expect(pid, (paper or {}).get("title") or "(untitled)")
        self.client.invalidate("related")  # an answer for the previous paper must never show
        self._related_timer.start()

    @Slot()
    def find_related_now(self) -> None:
        self._related_timer.stop()
        pid = self.current_paper_id()
        if pid is None or self._closed:
            return
        title = self.reader.titles([pid]).get(pid, "")
        self.related.expect(pid, title)
        if not self.related_dock.isVisible():
            self.related_dock.show()
        from litreview.analysis.related import find_related

        self.client.query(partial(find_related, paper_id=pid, k=self.related_k), self.on_related_ready,
                          channel="related", latest_only=True)

    def on_related_ready(self, reply: Reply) -> None:
        self.related.show_answer(reply)

    @Slot(int)
    def select_paper(self, paper_id: int) -> None:
        """Navigate to a paper (clearing a filter or results that hide it)."""
        row = self.table_model.row_of(paper_id)
        if row is None and (self.search_box.text() or self.clear_results_button.isVisible()):
            self.statusBar().showMessage("Search cleared to show the paper", 8_000)
        if row is None:
            self.search_box.blockSignals(True)
            self.search_box.clear()
            self.search_box.blockSignals(False)
            self.results_label.clear()
            self.clear_results_button.hide()
            self.table_model.set_filter("")
            self.table_model.clear_results()
            row = self.table_model.row_of(paper_id)
        if row is None:  # newer than the table's last read (just imported or added as a placeholder)
            self._reload_table()
            row = self.table_model.row_of(paper_id)
        if row is None:
            return
        index = self.table_model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.scrollTo(index)

    @Slot(int)
    def follow_to(self, paper_id: int) -> None:
        """Go to a paper that the one shown leads to (a reference, a citing or related paper); Back returns."""
        current = self.details.paper_id
        if current is not None and current != paper_id:
            self._back = [*self._back[-99:], current]
            self.back_action.setEnabled(True)
        self.select_paper(paper_id)

    @Slot()
    def go_back(self) -> None:
        """The paper before the last one followed to (one no longer in the library is skipped)."""
        while self._back:
            paper_id = self._back.pop()
            self.select_paper(paper_id)
            if self.current_paper_id() == paper_id:
                break
        self.back_action.setEnabled(bool(self._back))

    def _reload_table(self) -> None:
        """Re-read the ids, keeping the current paper selected."""
        current = self.current_paper_id()
        self.table_model.reload()
        self._last_table_reload = time.monotonic()
        if current is not None:
            row = self.table_model.row_of(current)
            if row is not None:
                self.table.selectionModel().blockSignals(True)
                self.table.selectionModel().setCurrentIndex(
                    self.table_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.selectionModel().blockSignals(False)

    def _update_counts(self) -> None:
        total = self.reader.count()
        shown = self.table_model.total
        papers = count_of(total, "paper")
        self.count_label.setText(papers if shown == total else f"{shown:,} of {papers}")

    @Slot(QPoint)
    def show_table_menu(self, pos: QPoint) -> None:
        ids = self.selected_paper_ids()
        if not ids:
            return
        menu = QMenu(self)
        menu.addAction(self.related_action)
        menu.addAction(self.edit_action)
        menu.addAction(self.open_reader_action)  # reader (issue 19)
        add_menu = menu.addMenu("Add to reading list")
        lists = self.reader.reading_lists()
        add_menu.setEnabled(bool(lists))
        for entry in lists:
            act = add_menu.addAction(entry["name"])
            act.triggered.connect(lambda _=False, lid=entry["id"]: self.add_to_list(lid, ids))
        menu.addAction(self.export_selection_action)
        menu.addActions(self.paper_actions.table_actions())  # edit paper, delete (issue #14)
        self.merge_action.refresh()  # merge selected papers (issue #14)
        menu.addAction(self.merge_action.action)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    @Slot(int, str, str)
    def on_edit_requested(self, paper_id: int, title: str, abstract: str) -> None:
        paper = self.reader.paper(paper_id)  # saved through the undo stack (issue #14)
        if paper is not None:
            self.paper_actions.save_edit(paper, {"abstract": abstract, **({"title": title} if title else {})})

    # -- search ------------------------------------------------------------------------------------------------
    @Slot()
    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    @Slot()
    def run_search(self, *_: object) -> None:
        self._filter_timer.stop()
        text = self.search_box.text().strip()
        mode = self.search_mode.currentData()
        if mode == "filter" or not text:
            self.results_label.clear()
            self.clear_results_button.hide()
            self.table_model.set_filter(text if mode == "filter" else "")
            return
        self.results_label.setText(f"Searching ({mode})…")
        if mode == "passages":  # issue 19
            return self.passages.search(text)
        self._query_search(text, mode, SEARCH_PAGE, more=False)  # #15: a page at a time, "Show more" asks for more

    # -- #15: ranked results in pages, the sort arrow telling relevance order from a column the user chose --------
    def _query_search(self, text: str, mode: str, k: int, *, more: bool) -> None:
        from litreview.index.search import answer_search

        self._search_more = more
        self.client.query(partial(answer_search, query=text, mode=mode, k=k), self.on_search_ready,
                          channel="search", latest_only=True)

    @Slot()
    def show_more(self, *_: object) -> None:
        shown = self.table_model.result_count
        self.results_label.setText(f"Fetching more than {shown:,}…")
        self._query_search(self.search_box.text().strip(), self.search_mode.currentData(), shown + SEARCH_PAGE,
                           more=True)

    @Slot()
    def _show_sort_arrow(self) -> None:
        self.table.horizontalHeader().setSortIndicator(*self.table_model.header_sort())

    @Slot()
    def _tell_map_library_size(self) -> None:
        model = self.map.model  # a map of fewer papers than it could draw says it is stale
        self.map.set_library_count(self.reader.count(), self.reader.vector_count(*model) if model else None)

    def on_search_ready(self, reply: Reply) -> None:
        if reply.error:
            self.results_label.setText("Search failed")
            self.statusBar().showMessage(f"Search failed: {reply.error}", 10_000)
            return
        answer, more = reply.value, getattr(self, "_search_more", False)  # #15: scores, total, "Show more"
        self.table_model.show_results([pid for pid, _ in answer.hits], [s for _, s in answer.hits], keep_sort=more)
        self.results_label.setText(results_text(len(answer.hits), answer.total, answer.mode))
        self.clear_results_button.show()
        if answer.hits and not more:
            self.select_paper(answer.hits[0][0])

    @Slot()
    def clear_search(self) -> None:
        self.search_box.clear()
        self.table_model.clear_results()
        self.results_label.clear()
        self.clear_results_button.hide()

    # -- import and jobs ---------------------------------------------------------------------------------------
    def import_paths(self, paths: Sequence[str | Path]) -> int | None:
        chosen = importable_paths([Path(p) for p in paths])
        if not chosen:
            from litreview.ingest.registry import default_registry

            self.statusBar().showMessage(f"Nothing to import: drop folders or files in these formats: "
                                         f"{default_registry().describe()}.", 8000)
            return None
        self.statusBar().showMessage(f"Importing {count_of(len(chosen), 'item')}…")
        from litreview.pipeline.jobs import import_job

        return self.client.start(import_job(chosen))

    @Slot()
    def choose_import_files(self) -> None:
        from litreview.gui.file_dialogs import open_file_names  # lists files without opening them (#14)
        from litreview.ingest.registry import default_registry

        files = open_file_names(self, "Import", default_registry().file_filter())
        if files:
            self.import_paths(files)

    @Slot()
    def choose_import_folder(self) -> None:
        from litreview.gui.file_dialogs import existing_directory

        folder = existing_directory(self, "Import a folder of PDFs")
        if folder:
            self.import_paths([folder])

    # -- Zotero and the watched folder (#17) ---------------------------------------------------------------------
    def start_import_job(self, paths: Sequence[str]) -> int:
        """The ordinary import job for Zotero sources and watched files (no file-type filter: a zotero.sqlite)."""
        from litreview.pipeline.jobs import import_job

        self.statusBar().showMessage(f"Importing {count_of(len(paths), 'item')}…")
        return self.client.start(import_job(list(paths)))

    @Slot()
    def import_from_zotero(self) -> int | None:
        source = zotero_source(self)
        return self.start_import_job([source]) if source else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if importable_paths([Path(url.toLocalFile()) for url in urls if url.isLocalFile()]):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if self.import_paths([url.toLocalFile() for url in urls if url.isLocalFile()]) is not None:
            event.acceptProposedAction()

    def _show_progress(self, visible: bool) -> None:
        for widget in (self.progress_label, self.progress_bar, self.cancel_button):
            widget.setVisible(visible)

    @Slot(bool)
    def on_busy_changed(self, busy: bool) -> None:
        self._show_progress(busy)
        self.cancel_action.setEnabled(busy)
        if busy:
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Working…")

    @Slot(object)
    def on_progress(self, progress: JobProgress) -> None:
        if progress.total > 0:
            done, total = progress.done, progress.total
            if total >= 2**31:  # a model download counts bytes: scale to fit QProgressBar's int
                done, total = done * 1000 // total, 1000
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        else:
            self.progress_bar.setRange(0, 0)
        self.progress_label.setText(describe_progress(progress))
        # new rows appear while the import runs; a big library reloads less often (each reload re-reads its ids).
        # The passage stages change no row, but the rows' status is final once the stage before them has ended.
        every = 2.0 if self.table_model.total < 20_000 else 10.0
        stage_ended = progress.stage != self._progress_stage
        self._progress_stage = progress.stage
        if progress.kind in ("import", "resume") and (stage_ended or (
                progress.stage not in (SPLIT_PASSAGES_STAGE, EMBED_PASSAGES_STAGE)
                and time.monotonic() - self._last_table_reload > every)):
            self._reload_table()

    @Slot(object)
    def on_job_done(self, outcome: JobOutcome) -> None:
        text = describe_outcome(outcome)
        if text:  # what an import did stays until the next message: it may have run for minutes unwatched
            self.statusBar().showMessage(text, 0 if outcome.kind in ("import", "resume") else 15_000)
        if outcome.kind == "cluster" and outcome.status == "finished":
            self.request_map()
        if outcome.kind in ("import", "resume"):
            self.refresh_import_log()
            if outcome.failed:
                self.log_dock.show()
                self.log_dock.raise_()

    @Slot()
    def on_papers_changed(self) -> None:
        self._reload_table()
        pid = self.current_paper_id()
        if pid is not None and not self.details.editing:
            self.details.show_paper(self.reader.paper(pid))
            self._related_timer.start()
        self.refresh_lists()

    @Slot()
    def embed_missing(self) -> int:
        from litreview.pipeline.jobs import embed_job

        return self.client.start(embed_job())

    @Slot()
    def cluster_library(self) -> int:
        from litreview.analysis.clusters import cluster_job

        return self.client.start(cluster_job())

    def request_map(self) -> int:
        """Ask for the stored map of the serving model; drawn by `on_map_ready`."""
        return self.client.query(_stored_map, self.on_map_ready, channel="map", latest_only=True)

    def on_map_ready(self, reply: Reply) -> None:
        if reply.error:
            self.map.status.setText(f"No map: {reply.error}")
            return
        self.map.set_map(reply.value)
        pid = self.current_paper_id()
        if pid is not None:
            self.map.highlight(pid)

    @Slot(str)
    def on_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 15_000)

    def refresh_import_log(self) -> None:
        if self.log_dock.built:  # else read when the dock first shows
            self.import_log.set_rows(self.reader.import_log())

    # -- re-import a text file with another encoding (#15) -------------------------------------------------------
    @Slot(str, str)
    def reimport_with_encoding(self, path: str, encoding: str) -> int:
        from litreview.pipeline.jobs import reimport_job

        self.statusBar().showMessage(f"Importing {Path(path).name} again, read as {encoding}…")
        return self.client.start(reimport_job(path, encoding))

    # -- reading lists -----------------------------------------------------------------------------------------
    def refresh_lists(self, select: int | None = None) -> None:
        lists = self.reader.reading_lists()
        self.lists.set_lists(lists, select=select)
        self.related.set_reading_lists([(entry["id"], entry["name"]) for entry in lists])

    @Slot(int)
    def show_list_items(self, list_id: int) -> None:
        self.lists.set_items(self.reader.list_items(list_id) if list_id >= 0 else [])

    def _edit_lists(self, edit: Callable[[ReadingLists], object], on_reply: Callable[[Reply], None] | None = None,
                    ) -> int:
        """One reading-list write on the worker; the lists are re-read when its reply arrives."""
        from litreview.library.lists import ReadingLists

        return self.client.query(lambda services: edit(ReadingLists(services.library)),
                                 on_reply or self.on_lists_changed, channel="lists")

    @Slot(str)
    def create_list(self, name: str) -> int:
        return self._edit_lists(lambda lists: lists.create(name), self.on_list_created)

    @Slot(int, str)
    def rename_list(self, list_id: int, name: str) -> int:
        return self._edit_lists(lambda lists: lists.rename(list_id, name))

    @Slot(int)
    def delete_list(self, list_id: int) -> int:
        return self._edit_lists(lambda lists: lists.delete(list_id))

    @Slot(int, object)
    def add_to_list(self, list_id: int, paper_ids: Sequence[int]) -> int:
        ids = list(paper_ids)
        return self.paper_actions.edit_list("Add to reading list", list_id, lambda lists: lists.add(list_id, ids),
                                            self.on_lists_changed)  # undoable (issue #14)

    @Slot(int, object)
    def remove_from_list(self, list_id: int, paper_ids: Sequence[int]) -> int:
        ids = list(paper_ids)
        return self.paper_actions.edit_list("Remove from reading list", list_id,
                                            lambda lists: lists.remove(list_id, ids), self.on_lists_changed)

    @Slot(int, object)
    def reorder_list(self, list_id: int, paper_ids: Sequence[int]) -> int:
        ids = list(paper_ids)
        return self.paper_actions.edit_list("Reorder reading list", list_id,
                                            lambda lists: lists.reorder(list_id, ids), self.on_lists_changed)

    @Slot(int, int, str)
    def set_note(self, list_id: int, paper_id: int, note: str) -> int:
        return self.paper_actions.edit_list("Edit note", list_id, lambda lists: lists.set_note(list_id, paper_id, note),
                                            self.on_lists_changed)

    def on_lists_changed(self, reply: Reply) -> None:
        if reply.error:
            self.statusBar().showMessage(f"Reading list: {reply.error}", 10_000)
        self.refresh_lists()

    def on_list_created(self, reply: Reply) -> None:
        """Like on_lists_changed, and the new list becomes the current one."""
        if reply.error:
            self.statusBar().showMessage(f"Reading list: {reply.error}", 10_000)
        self.refresh_lists(select=int(reply.value) if isinstance(reply.value, int) else None)

    # -- missing from your library (#16) ---------------------------------------------------------------------------
    @Slot()
    def request_missing(self, *_: object) -> int | None:
        """Recompute the missing works on the worker, for the whole library or the chosen reading list; only
        while the dock shows (it is recomputed when it appears). Not before the start timer, which asks then: the
        worker opens the library after the window is up, not while it is shown (start-up time, #20)."""
        if getattr(self, "_closed", True) or not self.missing_dock.isVisible() or self._start_timer.isActive():
            return None
        from litreview.gui.missing_panel import missing_for

        list_id = self.missing.scope_list_id()
        ids = [item["paper_id"] for item in self.reader.list_items(list_id)] if list_id is not None else None
        self.missing.show_working()
        return self.client.query(partial(missing_for, paper_ids=ids), self.on_missing_ready, channel="missing",
                                 latest_only=True)

    def on_missing_ready(self, reply: Reply) -> None:
        if reply.error:
            self.missing.show_error(str(reply.error))
        else:
            self.missing.set_works(reply.value)

    @Slot(object)
    def export_missing(self, works: Sequence[dict], *, fmt: str = "bibtex",
                       destination: Path | None = None) -> Path | None:
        from litreview.gui.missing_panel import work_as_paper

        papers = [work_as_paper(work, n) for n, work in enumerate(works, 1)]
        return self.export_papers(papers, "missing works", fmt=fmt, destination=destination)

    @Slot(object)
    def add_placeholder(self, work: dict) -> int:
        from litreview.analysis.placeholders import add_placeholder

        return self.client.query(lambda services: add_placeholder(services.library, work), self.on_placeholder_added,
                                 channel="placeholder")

    def on_placeholder_added(self, reply: Reply) -> None:
        if reply.error:
            self.statusBar().showMessage(f"Could not add the placeholder: {reply.error}", 10_000)
            return
        self.on_papers_changed()
        self.request_missing()
        self.select_paper(int(reply.value))
        self.embed_missing()  # its title, so that Related and semantic search find it
        self.statusBar().showMessage("Added a placeholder record; import its PDF or BibTeX entry to complete it.",
                                     10_000)

    # -- "More like this reading list": a suggested missing work added as a placeholder (#18) ------------------
    @Slot(int)
    def on_list_placeholder_added(self, paper_id: int) -> None:
        """Re-read the table (the related panel keeps the list's new suggestions, which the presenter asked for)."""
        self._reload_table()
        self.refresh_lists()
        self.request_missing()
        self.embed_missing()
        self.statusBar().showMessage("Added a placeholder record; import its PDF or BibTeX entry to complete it.",
                                     10_000)

    # -- screening (#18) ----------------------------------------------------------------------------------------
    def screen_library(self) -> int:
        self.screening_dock.show()
        return self.screening.open_project("Whole library", self.reader.paper_ids(sort="added", descending=False),
                                           "library")

    def screen_list(self) -> int | None:
        list_id = self.lists.current_list_id()
        if list_id is None:
            self.statusBar().showMessage("Choose a reading list to screen first.", 5_000)
            return None
        self.screening_dock.show()
        ids = [item["paper_id"] for item in self.reader.list_items(list_id)]
        return self.screening.open_project(f"Reading list: {self.lists.current_list_name()}", ids, f"list {list_id}")

    # -- export and settings -----------------------------------------------------------------------------------
    def export_papers(self, papers: Sequence[Paper], what: str, *, fmt: str | None = None,
                      destination: Path | None = None) -> Path | None:
        """Open the Export dialog (or, with `destination`, export straight away: scripts and tests)."""
        remembered = self.settings.value("export/folder")
        folder = Path(str(remembered)) if remembered and Path(str(remembered)).is_dir() else self.export_folder
        from litreview.gui.export_dialog import ExportDialog  # on first use: not at start-up (#20)

        dialog = ExportDialog(papers, what=what, folder=folder, parent=self)
        if fmt:
            dialog.set_format(fmt)
        if destination is not None:
            dialog.destination.setText(str(destination))
            dialog.accept()
        elif not dialog.exec():
            return None
        if dialog.written is not None:
            self.last_export = dialog.written
            self.settings.setValue("export/folder", str(Path(dialog.written).parent))  # proposed next time
            self.statusBar().showMessage(f"Exported {count_of(len(papers), 'paper')} to {dialog.written}", 10_000)
        return dialog.written

    @Slot()
    def export_selection(self) -> None:
        ids = self.selected_paper_ids()
        if ids:
            self.export_papers(self.reader.papers(ids), "the selection")

    @Slot(int)
    def export_list(self, list_id: int) -> None:
        name = next((entry["name"] for entry in self.reader.reading_lists() if entry["id"] == list_id), "list")
        self.export_papers(self.reader.list_papers(list_id), name)

    @Slot(object)
    def export_related(self, ids: Sequence[int]) -> None:
        self.export_papers(self.reader.papers(list(ids)), "related work")

    def current_model_choice(self) -> ModelChoice:
        from litreview.library.settings import model_choice

        return model_choice(self.reader.library)

    @Slot()
    def open_settings(self) -> None:
        from litreview.gui.settings_dialog import SettingsDialog

        current = self.current_model_choice()
        watch_box = WatchSettingsBox(self.settings)  # watched folder and Zotero at start (#17)
        dialog = SettingsDialog(current, papers=self.reader.count(), client=self.client, extra=watch_box, parent=self)
        from litreview.embedding.loader import is_remote

        choice = dialog.choice() if dialog.exec() else None
        if choice is not None:  # (#17)
            watch_box.save()
            self.zotero_watch.apply_settings()
        # Choosing a remote service again is the user's consent to send abstracts there, even if unchanged.
        if choice is not None and (choice != current or is_remote(choice.name)):
            from litreview.pipeline.jobs import change_model_job

            self.client.start(change_model_job(choice))
            if (choice.name, choice.dim) == (current.name, current.dim):  # same vectors: only device or precision
                message = "The model reloads with the new device or precision; the library's vectors are kept."
            else:
                message = "Re-embedding the library with the new model in the background…"
            self.statusBar().showMessage(message, 10_000)
