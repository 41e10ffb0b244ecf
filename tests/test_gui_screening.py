"""The screening view: the stopping hint and progress (pure), and the user story on the real window and worker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from qt_helpers import SAMPLE_PAPERS, write_text_papers
from test_gui_main_window import import_and_wait

from litreview.gui.screening_view import ScreeningState, stopping_hint

SIBLING = {"protein": "folding", "folding": "protein", "galaxy": "cosmos", "cosmos": "galaxy"}


def test_progress_and_curve_follow_the_decisions():
    state = ScreeningState(1, "p", total=1630, ranking=[3, 1, 2])
    state.decisions = [(9, "include"), (8, "exclude"), (7, "maybe"), (6, "include")]
    assert state.progress_text() == "2 included of 4 screened, 1,626 left"
    assert state.curve() == [1, 1, 1, 2]
    state.decisions.append((3, "exclude"))
    assert state.pick_next() == 1


def test_stopping_hint_counts_the_run_and_estimates_what_is_left():
    decisions = ["include"] * 5 + ["exclude"] * 45 + ["maybe"] + ["exclude"] * 10
    hint = stopping_hint(decisions, total=1000)
    # run 55 >= max(50, 5 % of 1000); last 50 include/exclude decisions hold no inclusion -> about 0 left
    assert hint.startswith("Consider stopping: 55 exclusions in a row (threshold 50)")
    assert "about 0 relevant left" in hint
    early = stopping_hint(["include", "exclude"], total=102)
    assert early.startswith("1 exclusions in a row (stopping hint at 50)") and "about 50 relevant left" in early
    assert stopping_hint(["include"], total=1) == "Every candidate is screened."


@pytest.mark.gui
def test_screening_story_keys_undo_reranking_reopen_export(qtbot, tmp_path, make_window):
    settings = QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
    window = make_window(settings=settings)
    try:
        import_and_wait(qtbot, window, write_text_papers(tmp_path / "drop", SAMPLE_PAPERS))
        view = window.screening
        with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
            window.screen_library()
        assert window.screening_dock.isVisible()
        assert view.progress.text() == "Whole library: 0 included of 0 screened, 5 left"
        name_of = {pid: name for name, (title, _) in SAMPLE_PAPERS.items() for pid, t in
                   window.reader.titles(view.state.ranking).items() if t == title}
        while name_of[view.state.current] not in SIBLING:  # exclude with E until a paper that has a sibling
            shown = view.state.current
            with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
                qtbot.keyClick(view, Qt.Key.Key_E)
                assert view.state.current != shown  # the next record shows before the new ranking arrives
        chosen = view.state.current
        assert view.title.text() == SAMPLE_PAPERS[name_of[chosen]][0]
        with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
            qtbot.keyClick(view, Qt.Key.Key_I)
        # the new ranking puts the included paper's topical sibling first
        assert name_of[view.state.ranking[0]] == SIBLING[name_of[chosen]]
        assert view.state.terms[view.state.ranking[0]]  # the terms that drove the sibling's score came with it
        assert view.state.current != chosen
        screened = len(view.state.decisions)
        assert view.progress.text() == f"Whole library: 1 included of {screened} screened, {5 - screened} left"
        assert view.curve.points[-1] == 1
        with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
            qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the inclusion
        assert view.state.current == chosen and len(view.state.decisions) == screened - 1
        with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
            qtbot.keyClick(view, Qt.Key.Key_I)
        with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
            qtbot.keyClick(view, Qt.Key.Key_M)
        before = list(view.state.decisions)
    finally:
        make_window.close(window)

    window = make_window(settings=settings)  # quit and reopen mid-way: the decisions are in the library
    try:
        view = window.screening
        with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
            window.screen_library()
        assert view.state.decisions == before
        assert view.state.current not in {pid for pid, _ in before}
        with qtbot.waitSignal(view.sig_message, timeout=30_000):
            view.export("csv", tmp_path / "decisions.csv")
        rows = (tmp_path / "decisions.csv").read_text(encoding="utf-8-sig").splitlines()
        assert rows[0].startswith("paper_id,title") and sum(",include," in r for r in rows) == 1
        with qtbot.waitSignal(view.sig_message, timeout=30_000):
            view.export("ris", tmp_path / "included.ris")
        assert SAMPLE_PAPERS[name_of[chosen]][0] in (tmp_path / "included.ris").read_text(encoding="utf-8")
    finally:
        make_window.close(window)


@pytest.mark.gui
def test_screening_a_reading_list_and_fast_keys(qtbot, tmp_path, make_window):
    """A project over a reading list's papers only; keys pressed faster than the ranker get one ranking back."""
    from qt_helpers import is_reply

    window = make_window()
    client, reader = window.client, window.reader
    import_and_wait(qtbot, window, write_text_papers(tmp_path / "drop", SAMPLE_PAPERS))
    assert window.screen_list() is None  # no list chosen: a message, nothing started
    with qtbot.waitSignal(client.sig_replied, check_params_cb=is_reply("lists"), timeout=30_000):
        window.create_list("Astro")
    list_id = window.lists.current_list_id()
    astro = [pid for pid, title in reader.titles(reader.paper_ids()).items() if "alax" in title]
    with qtbot.waitSignal(client.sig_replied, check_params_cb=is_reply("lists"), timeout=30_000):
        window.add_to_list(list_id, astro)
    view = window.screening
    with qtbot.waitSignal(view.sig_ranked, timeout=30_000):
        window.screen_list()
    assert sorted(view.state.ranking) == sorted(astro)
    replies = []
    view.sig_ranked.connect(lambda: replies.append(list(view.state.ranking)))
    qtbot.keyClick(view, Qt.Key.Key_E)
    qtbot.keyClick(view, Qt.Key.Key_E)
    assert view.progress.text() == "Reading list: Astro: 0 included of 2 screened, 0 left"
    qtbot.waitUntil(lambda: bool(replies) and replies[-1] == [], timeout=30_000)
    assert len(replies) == 1  # latest-only: the ranking asked after the first key never shows
    assert "Every candidate is screened." in (view.title.text(), view.hint.text())
