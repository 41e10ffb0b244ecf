"""The Edit paper dialog: every field, checked values, saved through the worker and undoable (#14)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialogButtonBox
from test_gui_trash import live_ids

from litreview.gui.edit_dialog import FIELDS, EditPaperDialog, InvalidField, changed_fields, check_fields

pytestmark = [pytest.mark.gui]

GOOD = {"title": "  A  title ", "authors": "Ada Lovelace\n\n Alan Turing \n", "year": "2023", "venue": "",
        "doi": "https://doi.org/10.1000/XYZ123", "arxiv_id": "arXiv:2101.12345v2", "entry_type": "Article",
        "abstract": "Text.", "keywords": "a; b", "volume": "3", "issue": "", "page_range": "1-10"}


def test_check_fields_normalises_good_values():
    values = check_fields(GOOD, this_year=2026)
    assert values == {"title": "A title", "authors": ["Ada Lovelace", "Alan Turing"], "year": 2023, "venue": None,
                      "doi": "10.1000/xyz123", "arxiv_id": "2101.12345", "entry_type": "article",
                      "abstract": "Text.", "keywords": "a; b", "volume": "3", "issue": None, "page_range": "1-10"}
    assert set(values) == {name for name, _, _ in FIELDS}


@pytest.mark.parametrize(("field", "text", "says"), [
    ("year", "20233", "Year: '20233' is not a year"),
    ("year", "1066", "Year: '1066' is not a year"),
    ("year", "2O23", "Year: '2O23' is not a year"),
    ("doi", "10.12/abc", "DOI: '10.12/abc' is not a DOI"),
    ("doi", "see 10.1000/abc", "DOI: 'see 10.1000/abc' is not a DOI"),
    ("doi", "10.1000/abc def", "DOI: '10.1000/abc def' is not a DOI"),
    ("arxiv_id", "2113.12345", "arXiv id: '2113.12345' is not an arXiv id"),
    ("entry_type", "journal article", "Entry type: 'journal article'"),
    ("title", "   ", "The title cannot be empty."),
])
def test_check_fields_refuses_bad_values_with_a_message(field, text, says):
    with pytest.raises(InvalidField) as error:
        check_fields({**GOOD, field: text}, this_year=2026)
    assert str(error.value).startswith(says)


def test_changed_fields_ignores_empty_versus_none():
    current = {"title": "A title", "venue": None, "issue": "", "authors": [], "year": 2023}
    assert changed_fields(current, {"title": "A title", "venue": "", "issue": None, "authors": [], "year": 2024}) \
        == {"year": 2024}


def test_dialog_stays_open_with_a_message_on_a_bad_value(qtbot):
    dialog = EditPaperDialog({"id": 1, "title": "T", "authors": ["A B"], "year": 2020})
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.editors["authors"].toPlainText() == "A B"
    dialog.editors["year"].setText("20233")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible()
    assert not dialog.message.isHidden()
    assert dialog.message.text().startswith("Year: '20233' is not a year")
    dialog.editors["year"].setText("2021")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible()
    assert dialog.values["year"] == 2021


def row(win, pid: int) -> dict:
    return win.reader.paper(pid)


def vector_hash(win, pid: int) -> str | None:
    found = win.reader.library.conn.execute("SELECT text_hash FROM vectors WHERE paper_id = ?", (pid,)).fetchone()
    return found[0] if found else None


def save_and_wait(qtbot, win, action) -> None:
    with qtbot.waitSignal(win.client.sig_job_done, timeout=30_000,
                          check_params_cb=lambda outcome: outcome.kind == "edit"):
        action()


def test_edit_every_field_saves_on_the_worker_re_embeds_and_undoes(qtbot, window):  # noqa: F811
    pid = min(live_ids(window))
    window.select_paper(pid)
    before = row(window, pid)
    old_hash = vector_hash(window, pid)
    assert old_hash is not None
    dialog = window.paper_actions.open_editor()
    assert dialog is not None and dialog.paper_id == pid
    texts = {"title": "Edited title", "authors": "Grace Hopper\nAda Lovelace", "year": "1999", "venue": "J. Tests",
             "doi": "doi:10.1234/Edited.1", "arxiv_id": "2101.00001", "entry_type": "inproceedings",
             "abstract": "An edited abstract about compilers.", "keywords": "compilers", "volume": "7", "issue": "2",
             "page_range": "10-20"}
    for name, text in texts.items():
        editor = dialog.editors[name]
        if name == "entry_type":
            editor.setCurrentText(text)
        elif name in ("authors", "abstract"):
            editor.setPlainText(text)
        else:
            editor.setText(text)
    save_and_wait(qtbot, window, dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click)
    after = row(window, pid)
    assert (after["title"], after["authors"], after["year"], after["venue"], after["doi"], after["arxiv_id"],
            after["entry_type"], after["abstract"], after["keywords"], after["volume"], after["issue"],
            after["page_range"]) == ("Edited title", ["Grace Hopper", "Ada Lovelace"], 1999, "J. Tests",
                                     "10.1234/edited.1", "2101.00001", "inproceedings",
                                     "An edited abstract about compilers.", "compilers", "7", "2", "10-20")
    assert set(json.loads(after["user_fields"])) >= set(texts)  # re-imports keep these (replace_metadata)
    assert vector_hash(window, pid) not in (None, old_hash)  # the new title and abstract were embedded
    assert window.table_model.index(window.table_model.row_of(pid), 0).data() == "Edited title"

    save_and_wait(qtbot, window, window.paper_actions.undo_stack.undo)
    undone = row(window, pid)
    for name in ("title", "authors", "year", "venue", "doi", "abstract", "user_fields"):
        assert undone[name] == before[name], name
    assert vector_hash(window, pid) == old_hash

    save_and_wait(qtbot, window, window.paper_actions.undo_stack.redo)
    assert row(window, pid)["title"] == "Edited title"


def test_saving_unchanged_values_sends_nothing(qtbot, window):  # noqa: F811
    dialog = window.paper_actions.open_editor(min(live_ids(window)))
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert window.statusBar().currentMessage() == "Nothing changed"
    assert window.paper_actions.undo_stack.count() == 0


def test_inline_title_edit_in_the_details_pane_is_undoable(qtbot, window):  # noqa: F811
    pid = min(live_ids(window))
    window.select_paper(pid)
    old = row(window, pid)["title"]
    window.details.start_editing()
    window.details.title_edit.setText("Inline edit")
    save_and_wait(qtbot, window, window.details.save_button.click)
    assert row(window, pid)["title"] == "Inline edit"
    assert window.paper_actions.undo_stack.undoText() == "Edit title"
    save_and_wait(qtbot, window, window.paper_actions.undo_action.trigger)
    assert row(window, pid)["title"] == old
