"""The screening view: one candidate at a time, Include / Exclude / Maybe (keys I / E / M), Undo (U, Ctrl+Z),
progress, a live curve of included against screened, a stopping hint and exports.

The view never waits for the model: each decision is applied here at once (the next record comes from the current
ranking), written on the worker, and the candidates are re-ranked there (`rank_project`, the CLI's ranker) on a
latest-only channel; the new order is swapped in when its reply arrives.

Stopping hint (a heuristic, shown, never enforced): the run of consecutive exclusions at the end of the screening
(maybe neither breaks nor extends it) against a threshold of max(50, 5 % of the candidates), as in the "stop after
N irrelevant in a row" rules of Ros et al. 2017 and the SAFE procedure (Boetje & van de Schoot 2024); and an
estimate of the relevant records left: the inclusion rate of the last 50 include/exclude decisions times the
records left. The ranker shows the likeliest records first, so that rate overestimates what is left.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTextBrowser, QVBoxLayout, QWidget

from litreview.core.heap import freeze_heap
from litreview.workers.messages import Reply

__all__ = ["IncludedCurve", "ScreeningState", "ScreeningView", "stopping_hint"]

RUN_FLOOR = 50  # the smallest run of exclusions that suggests stopping
RUN_SHARE = 0.05  # ... or this share of the candidates, when larger
RATE_WINDOW = 50  # decisions the recent inclusion rate is taken over


@dataclass
class ScreeningState:
    """What the view shows, kept on the GUI thread: the project's ranking and its decisions in order."""

    project: int
    name: str
    total: int
    ranking: list[int] = field(default_factory=list)
    decisions: list[tuple[int, str]] = field(default_factory=list)  # (paper id, decision), oldest first
    current: int | None = None
    terms: dict[int, list[str]] = field(default_factory=dict)  # paper id -> the terms that drove its score

    def decided(self) -> set[int]:
        return {pid for pid, _ in self.decisions}

    def count(self, decision: str) -> int:
        return sum(1 for _, d in self.decisions if d == decision)

    def left(self) -> int:
        return self.total - len(self.decisions)

    def pick_next(self) -> int | None:
        """The best-ranked candidate not decided yet."""
        decided = self.decided()
        self.current = next((pid for pid in self.ranking if pid not in decided), None)
        return self.current

    def curve(self) -> list[int]:
        """Included so far after each screened record (index k: after k + 1 decisions)."""
        out, included = [], 0
        for _, decision in self.decisions:
            included += decision == "include"
            out.append(included)
        return out

    def progress_text(self) -> str:
        return (f"{self.count('include'):,} included of {len(self.decisions):,} screened, "
                f"{self.left():,} left")


def stopping_hint(decisions: Sequence[str], total: int) -> str:
    """The stopping hint for decisions in order (see the module's docstring for the method)."""
    run = 0
    for decision in reversed(decisions):
        if decision == "include":
            break
        run += decision == "exclude"
    threshold = max(RUN_FLOOR, math.ceil(RUN_SHARE * total))
    recent = [d for d in decisions if d != "maybe"][-RATE_WINDOW:]
    left = total - len(decisions)
    estimate = round(sum(d == "include" for d in recent) / len(recent) * left) if recent else None
    guess = "" if estimate is None else f"; about {estimate:,} relevant left at the recent rate"
    if left == 0:
        return "Every candidate is screened."
    if run >= threshold:
        return f"Consider stopping: {run:,} exclusions in a row (threshold {threshold:,}){guess}."
    return f"{run:,} exclusions in a row (stopping hint at {threshold:,}){guess}."


class IncludedCurve(QWidget):
    """Included against screened, a polyline over the diagonal's box (screened on x, included on y)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[int] = []
        self.setMinimumHeight(80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_points(self, points: Sequence[int]) -> None:
        self.points = list(points)
        self.update()

    def polygon(self) -> QPolygonF:
        """The curve in widget coordinates (origin bottom left; x up to the screened, y up to the included)."""
        w, h = max(self.width() - 8, 1), max(self.height() - 8, 1)
        n, top = len(self.points), max(self.points[-1] if self.points else 0, 1)
        pts = [QPointF(4, 4 + h)] + [QPointF(4 + w * (i + 1) / max(n, 1), 4 + h - h * v / top)
                                     for i, v in enumerate(self.points)]
        return QPolygonF(pts)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self.points:
            painter.setPen(QPen(self.palette().highlight().color(), 2))
            painter.drawPolyline(self.polygon())
        painter.end()


def highlight_html(text: str, terms: Sequence[str]) -> str:
    """`text` as HTML with every occurrence of `terms` (TF-IDF terms: lower-case words, bigrams joined by a space;
    matched case-insensitively across any punctuation between the words) in bold on a light background."""
    patterns = [r"\W+".join(re.escape(word) for word in term.split()) for term in terms if term.strip()]
    if not patterns:
        return html.escape(text)
    pattern = re.compile(r"\b(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + r")\b", re.IGNORECASE)
    out, start = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[start:match.start()]))
        out.append(f'<b style="background-color:#fff2a8">{html.escape(match.group(0))}</b>')
        start = match.end()
    out.append(html.escape(text[start:]))
    return "".join(out)


def _open_project(services, name: str, paper_ids: list[int], source: str) -> dict:
    """Worker: the project called `name` (made when new) with these candidates added, its decisions and ranking."""
    from litreview.library import screening

    library = services.library
    try:
        project = screening.project_id(library, name)
    except screening.ScreeningError:
        project = screening.create_project(library, name, source=source)
    screening.add_candidates(library, project, paper_ids)
    opened = {"project": project, "total": len(screening.candidates(library, project)),
              "decisions": [(pid, d.decision) for pid, d in screening.current_decisions(library, project).items()],
              **_rank(services, project)}
    freeze_heap()  # the project's features live as long as the view: later full passes skip them
    return opened


def _rank(services, project: int) -> dict:
    """Worker: the ranking (paper ids, best first) and the terms that drove the first ones' scores."""
    from litreview.analysis.screening_rank import rank_project_with_terms

    ranking, terms = rank_project_with_terms(services.library, project)
    return {"ranking": [pid for pid, _ in ranking], "terms": terms}


class ScreeningView(QWidget):
    """One record at a time with its decision buttons; talks to the worker through `client.query` only."""

    sig_ranked = Signal()  # a new ranking was swapped in
    sig_message = Signal(str)  # for the status bar (errors, exports)

    def __init__(self, client, reader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client, self.reader = client, reader
        self.state: ScreeningState | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.meta = QLabel(wordWrap=True)
        self.abstract = QTextBrowser()
        self.abstract.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.progress = QLabel("Start screening from the Library menu.")
        self.hint = QLabel(wordWrap=True)
        self.curve = IncludedCurve()
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for text, key, slot in (("&Include", "include", lambda: self.decide("include")),
                                ("&Exclude", "exclude", lambda: self.decide("exclude")),
                                ("&Maybe", "maybe", lambda: self.decide("maybe")),
                                ("&Undo", "undo", self.undo),
                                ("Export decisions…", "csv", lambda: self.choose_export("csv")),
                                ("Export included…", "ris", lambda: self.choose_export("ris"))):
            button = QPushButton(text.replace("&", "") if key in ("csv", "ris") else text)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        for widget in (self.title, self.meta):
            layout.addWidget(widget)
        layout.addWidget(self.abstract, 1)
        layout.addLayout(buttons)
        for widget in (self.progress, self.hint, self.curve):
            layout.addWidget(widget)
        self._enable(False)

    # -- opening -----------------------------------------------------------------------------------------------
    def open_project(self, name: str, paper_ids: Sequence[int], source: str) -> int:
        """Open (or make) the project `name` over these candidates on the worker; shown when the reply arrives."""
        ids = [int(p) for p in paper_ids]
        return self.client.query(lambda services: _open_project(services, name, ids, source),
                                 lambda reply: self._on_opened(reply, name), channel="screening")

    def _on_opened(self, reply: Reply, name: str) -> None:
        if reply.error:
            self.sig_message.emit(f"Screening: {reply.error}")
            return
        value = reply.value
        self.state = ScreeningState(value["project"], name, value["total"], list(value["ranking"]),
                                    [tuple(d) for d in value["decisions"]], terms=dict(value["terms"]))
        self.state.pick_next()
        self.refresh()
        self.setFocus()  # the keys act at once
        self.sig_ranked.emit()

    # -- deciding ----------------------------------------------------------------------------------------------
    def decide(self, decision: str) -> None:
        """Apply the decision on the shown record now; store it and re-rank on the worker."""
        state = self.state
        if state is None or state.current is None:
            return
        project, pid = state.project, state.current
        state.decisions.append((pid, decision))
        state.pick_next()
        self.refresh()
        self._write(lambda library: _decide(library, project, pid, decision))

    def undo(self) -> None:
        """Undo the latest decision: its record is shown again and the candidates re-ranked."""
        state = self.state
        if state is None or not state.decisions:
            return
        project = state.project
        pid, _ = state.decisions.pop()
        state.current = pid
        self.refresh()
        self._write(lambda library: _undo(library, project))

    def _write(self, write: Callable[[object], object]) -> None:
        project = self.state.project
        self.client.query(lambda services: write(services.library), self._on_written, channel="screening")
        self.client.query(lambda services: _rank(services, project), self._on_ranked, channel="screening-rank",
                          latest_only=True)

    def _on_written(self, reply: Reply) -> None:
        if reply.error and self.state is not None:  # the library disagrees: show what it holds
            self.sig_message.emit(f"Screening: {reply.error}")
            self.open_project(self.state.name, [], "")

    def _on_ranked(self, reply: Reply) -> None:
        if reply.error:
            self.sig_message.emit(f"Ranking: {reply.error}")
            return
        if self.state is None:
            return
        self.state.ranking = list(reply.value["ranking"])
        self.state.terms.update(reply.value["terms"])
        if self.state.current is None:
            self.state.pick_next()
            self.refresh()
        self.sig_ranked.emit()

    KEYS = {Qt.Key.Key_I: "include", Qt.Key.Key_E: "exclude", Qt.Key.Key_M: "maybe", Qt.Key.Key_U: "undo"}

    def _command_of(self, event: QKeyEvent) -> str | None:
        """"include", "exclude", "maybe" or "undo" for the view's keys (I, E, M, U, the platform's Undo)."""
        if event.matches(QKeySequence.StandardKey.Undo):
            return "undo"
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        return self.KEYS.get(event.key()) if plain else None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self._command_of(event):
            event.accept()  # the view's keys win over a window-wide shortcut (e.g. an Undo action) while it has focus
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        command = self._command_of(event)
        if command == "undo":
            self.undo()
        elif command:
            self.decide(command)
        else:
            super().keyPressEvent(event)

    # -- export ------------------------------------------------------------------------------------------------
    def choose_export(self, fmt: str) -> None:
        from litreview.gui.file_dialogs import save_file_name

        if self.state is None:
            return
        path = save_file_name(self, "Export decisions" if fmt == "csv" else "Export included papers")
        if path:
            self.export(fmt if fmt == "csv" or not path.lower().endswith(".bib") else "bibtex", Path(path))

    def export(self, fmt: str, path: Path) -> int:
        """Write the decisions (csv) or the included papers (ris/bibtex) to `path`, on the worker."""
        from litreview.analysis.screening_rank import export_decisions

        project = self.state.project

        def write(services) -> str:
            Path(path).write_bytes(export_decisions(services.library, project, fmt))
            return str(path)

        return self.client.query(write, self._on_exported, channel="screening")

    def _on_exported(self, reply: Reply) -> None:
        self.sig_message.emit(f"Export failed: {reply.error}" if reply.error else f"Wrote {reply.value}")

    # -- display -----------------------------------------------------------------------------------------------
    def _enable(self, on: bool) -> None:
        for key, button in self.buttons.items():
            button.setEnabled(on or key in ("undo", "csv", "ris") and self.state is not None)

    def refresh(self) -> None:
        state = self.state
        if state is None:
            return
        paper = None
        while state.current is not None and paper is None:
            found = self.reader.papers([state.current])
            if found:
                paper = found[0]
            else:  # removed from the library since the ranking: its candidacy went with it
                state.ranking.remove(state.current)
                state.total -= 1
                state.pick_next()
        if paper is None:
            self.title.setText("Every candidate is screened." if state.left() == 0 else "Ranking…")
            self.meta.setText("")
            self.abstract.setPlainText("")
        else:
            self.title.setText(paper.title or "(untitled)")
            authors = ", ".join(paper.authors[:6]) + (" et al." if len(paper.authors) > 6 else "")
            self.meta.setText(" · ".join(str(x) for x in (authors, paper.year, paper.venue) if x))
            if paper.abstract:  # the terms that drove its score, highlighted (when the ranking named them)
                self.abstract.setHtml(highlight_html(paper.abstract, state.terms.get(state.current, [])))
            else:
                self.abstract.setPlainText("(no abstract)")
        self._enable(paper is not None)
        self.progress.setText(f"{state.name}: {state.progress_text()}")
        self.hint.setText(stopping_hint([d for _, d in state.decisions], state.total))
        self.curve.set_points(state.curve())


def _decide(library, project: int, paper_id: int, decision: str) -> int:
    from litreview.library.screening import decide

    return decide(library, project, paper_id, decision)


def _undo(library, project: int):
    from litreview.library.screening import undo_last_decision

    return undo_last_decision(library, project)
