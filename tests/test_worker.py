"""The background worker: jobs step by step, requests answered between batches, cancel, shutdown, stale answers."""

from __future__ import annotations

import sqlite3
import threading
import time
from functools import partial

import pytest
from qt_helpers import SAMPLE_PAPERS, FakeBackend, is_reply, still_running, write_text_papers

from litreview.analysis import clusters
from litreview.analysis.clusters import cluster_job
from litreview.analysis.related import find_related
from litreview.analysis.why import shared_terms, terms
from litreview.core.progress import Progress
from litreview.gui.presenters import describe_outcome
from litreview.index.search import answer_search
from litreview.library.settings import ModelChoice
from litreview.pipeline.jobs import change_model_job, edit_job, import_job, resume_job
from litreview.workers.client import SyncWorkerClient, WorkerClient
from litreview.workers.runner import JobRunner

pytestmark = [
    pytest.mark.gui,
]


@pytest.fixture
def papers(tmp_path):
    paths = write_text_papers(tmp_path / "in", SAMPLE_PAPERS)
    broken = tmp_path / "in" / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    return [*paths, broken]


@pytest.fixture
def threaded(qtbot, library_path):
    """A WorkerClient on a fresh library with a slow fake backend, always shut down at the end."""
    clients = []

    def make(step_delay: float = 0.0) -> WorkerClient:
        backend = FakeBackend(step_delay=step_delay)
        client = WorkerClient(library_path, backend=backend, progress_interval=0.0)
        client.backend = backend
        clients.append(client)
        return client

    yield make
    for client in clients:
        assert client.shutdown(30_000), "worker thread did not stop"
        assert not client.worker_thread.isRunning()


def related(client, paper_id: int, k: int = 10) -> int:
    """Ask for the papers related to one paper on the latest-only "related" channel (as the main window does)."""
    return client.query(partial(find_related, paper_id=paper_id, k=k), channel="related", latest_only=True)


def search(client, query: str, mode: str = "hybrid", k: int = 50) -> int:
    return client.query(partial(answer_search, query=query, mode=mode, k=k), channel="search", latest_only=True)


def replies(client, channel: str) -> list:
    """The replies of one channel, as they arrive."""
    got: list = []
    client.sig_replied.connect(lambda reply: got.append(reply) if reply.channel == channel else None)
    return got



def count_papers(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM papers").fetchone()[0]


def test_sync_client_imports_relates_and_searches(qtbot, library_path, papers):
    client = SyncWorkerClient(library_path, backend=FakeBackend())
    outcomes = []
    related_replies, searches = replies(client, "related"), replies(client, "search")
    client.sig_job_done.connect(outcomes.append)

    client.start(import_job(papers))
    assert [o.status for o in outcomes] == ["finished"]
    assert outcomes[0].imported == 5
    assert [reason for _, reason in outcomes[0].failed] == ["not a readable text paper"]
    assert "1 failed" in describe_outcome(outcomes[0])

    galaxy = client.session.library.query("SELECT id FROM papers WHERE title LIKE 'Galaxy%'")[0]["id"]
    related(client, galaxy, k=3)
    reply = related_replies[-1]
    answer = reply.value
    assert reply.error == "" and answer.paper_id == galaxy
    assert answer.results[0].title == "Dark matter in dwarf galaxies"
    assert {"dark", "matter", "halo"} & {word for term in answer.results[0].why for word in term.split()}
    assert answer.results[0].score >= answer.results[-1].score

    search(client, "protein", mode="keyword", k=5)
    assert searches[-1].value.mode == "keyword" and len(searches[-1].value.hits) == 2
    search(client, "nothing", mode="bogus")
    assert "unknown search mode" in searches[-1].error
    client.shutdown()


def test_related_before_any_embedding_says_why(qtbot, library_path, papers):
    client = SyncWorkerClient(library_path, backend=FakeBackend())
    answers = replies(client, "related")
    client.start(import_job(papers, embed=False))
    assert client.session.embedder_loaded is False  # torch-free until an embedding is needed
    related(client, 1)
    assert answers[-1].value is None and answers[-1].error == "no embeddings yet: choose Library → Embed missing papers"
    client.shutdown()


def test_edit_updates_the_paper_and_re_embeds_it(qtbot, library_path, papers):
    client = SyncWorkerClient(library_path, backend=FakeBackend())
    outcomes = []
    client.sig_job_done.connect(outcomes.append)
    client.start(import_job(papers))
    client.start(edit_job(1, title="A corrected title"))
    assert outcomes[-1].kind == "edit" and outcomes[-1].status == "finished"
    lib = client.session.library
    assert lib.query("SELECT title FROM papers WHERE id = 1")[0]["title"] == "A corrected title"
    assert "corrected" in {t for t in terms(lib.query("SELECT title FROM papers WHERE id = 1")[0]["title"])}
    client.shutdown()


def test_a_failing_job_ends_in_a_failed_outcome_with_the_reason(qtbot, library_path, papers):
    backend = FakeBackend()

    def explode(path):
        raise RuntimeError("disk on fire")

    backend.read_text = explode
    client = SyncWorkerClient(library_path, backend=backend)
    outcomes = []
    client.sig_job_done.connect(outcomes.append)
    client.start(import_job(papers))
    assert outcomes[-1].status == "failed"
    assert outcomes[-1].error == "RuntimeError: disk on fire"
    assert not client.busy
    client.shutdown()


def test_threaded_import_answers_related_between_batches(qtbot, threaded, papers, library_path):
    client = threaded(step_delay=0.0)
    with qtbot.waitSignal(client.sig_job_done, timeout=20_000) as first:
        client.start(import_job(papers[:4]))
    assert first.args[0].status == "finished"

    # Several new files, each slow, so the import is surely still running when the answer comes (the ones already
    # imported are skipped by their hash).
    write_text_papers(papers[0].parent, {f"slow{n}": (f"Slow paper {n}", f"An abstract about topic {n}.")
                                          for n in range(3)})  # fmt: skip
    client.backend.step_delay = 1.0
    done = []
    client.sig_job_done.connect(done.append)
    with qtbot.waitSignal(client.sig_progress, timeout=10_000):
        client.start(import_job(papers[4:] + [papers[0].parent]))
    with qtbot.waitSignal(client.sig_replied, timeout=10_000, check_params_cb=is_reply("related")) as answered:
        related(client, 3, k=2)
    assert answered.args[0].error == ""
    assert not done, "the related answer should arrive while the import is still running"
    qtbot.waitUntil(lambda: bool(done), timeout=20_000)
    assert done[0].status == "finished"


def test_only_the_latest_related_answer_is_shown(qtbot, threaded, papers):
    client = threaded()
    with qtbot.waitSignal(client.sig_job_done, timeout=20_000):
        client.start(import_job(papers))
    answers = replies(client, "related")
    related(client, 1)
    related(client, 2)
    latest = related(client, 3)
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    with qtbot.assertNotEmitted(client.sig_replied, wait=200):
        pass
    assert [a.request_id for a in answers] == [latest]
    assert answers[0].value.paper_id == 3


def test_a_related_query_replaced_while_it_waited_is_not_run(qtbot, threaded, papers):
    """Selections made while the worker is busy queue requests; only the newest is computed (running the backlog
    held the GIL for 100+ ms at a time while the window wanted to paint)."""
    client = threaded()
    busy, ran = threading.Event(), []
    client.query(lambda services: busy.wait(10))  # holds the worker while the selection moves three times
    for paper_id in (1, 2, 3):
        client.query(lambda services, paper_id=paper_id: ran.append(paper_id) or paper_id, channel="related",
                     latest_only=True)
    answers = replies(client, "related")
    busy.set()
    qtbot.waitUntil(lambda: bool(answers), timeout=10_000)
    with qtbot.assertNotEmitted(client.sig_replied, wait=200):
        pass
    assert ran == [3]
    assert [a.value for a in answers] == [3]


def test_a_request_not_sent_latest_only_always_runs(qtbot, threaded, papers):
    """Only latest-only requests are skipped when replaced: another request on the same channel (a write, say)
    runs even though a newer latest-only request exists."""
    client = threaded()
    busy, ran = threading.Event(), []
    client.query(lambda services: busy.wait(10))
    client.query(lambda services: ran.append("write"), channel="related")
    client.query(lambda services: ran.append("newest"), channel="related", latest_only=True)
    busy.set()
    qtbot.waitUntil(lambda: len(ran) == 2, timeout=10_000)
    assert ran == ["write", "newest"]


def test_cancel_stops_within_a_batch_and_keeps_what_was_done(qtbot, threaded, papers, library_path):
    client = threaded(step_delay=0.1)
    outcomes, progress = [], []
    client.sig_job_done.connect(outcomes.append)
    client.sig_progress.connect(progress.append)
    client.start(import_job(papers))
    qtbot.waitUntil(lambda: any(p.done >= 2 for p in progress), timeout=10_000)
    client.cancel()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=10_000)
    assert outcomes[0].status == "cancelled"
    assert "resume" in describe_outcome(outcomes[0])
    kept = count_papers(library_path)
    assert 2 <= kept < 5
    assert not client.busy


def test_shutdown_mid_import_stops_the_thread_and_keeps_the_library_sound(qtbot, threaded, papers, library_path):
    client = threaded(step_delay=0.1)
    progress = []
    client.sig_progress.connect(progress.append)
    client.start(import_job(papers))
    qtbot.waitUntil(lambda: bool(progress), timeout=10_000)
    assert client.shutdown(30_000)
    assert not client.worker_thread.isRunning()
    with sqlite3.connect(library_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert count_papers(library_path) < 5


def test_changing_the_model_re_embeds_in_the_background(qtbot, threaded, papers, library_path):
    client = threaded()
    with qtbot.waitSignal(client.sig_job_done, timeout=20_000):
        client.start(import_job(papers))
    with qtbot.waitSignal(client.sig_job_done, timeout=20_000) as done:
        client.start(change_model_job(ModelChoice(name="fake-other", device="cpu", dim=32, dtype="bfloat16")))
    assert done.args[0].kind == "embed" and done.args[0].status == "finished"
    with sqlite3.connect(library_path) as conn:
        dims = dict(conn.execute("SELECT dim, count(*) FROM vectors GROUP BY dim").fetchall())
        assert dims == {64: 5, 32: 5}  # the old model's vectors are kept
        settings = dict(conn.execute("SELECT key, value FROM settings").fetchall())
        assert settings["model"] == "fake-other"
        assert (settings["embedding.device"], settings["embedding.dtype"]) == ("cpu", "bfloat16")
    answers = replies(client, "related")
    with qtbot.waitSignal(client.sig_replied, timeout=10_000):
        related(client, 1)
    assert answers[-1].value.model == "fake-other"  # the new model serves once its embedding job has finished


def test_progress_is_throttled_and_has_an_eta():
    now = [0.0]
    reports, outcomes = [], []
    runner = JobRunner(on_progress=reports.append, on_done=outcomes.append, progress_interval=0.1, clock=lambda: now[0])

    def job(token):
        for done in range(100):
            now[0] += 0.01
            yield Progress("embedding", done, 100)
        yield Progress("embedding", 100, 100)
        return 100

    runner.submit(1, "embed", job)
    runner.run_to_end()
    assert 9 <= len(reports) <= 12  # 1 s of work at ~10 reports a second, plus the final one
    assert reports[-1].done == 100
    middle = reports[len(reports) // 2]
    assert middle.eta_seconds == pytest.approx((100 - middle.done) * 0.01, rel=0.2)
    assert outcomes[0].status == "finished"


def test_jobs_cancelled_before_they_start_never_run():
    outcomes = []
    runner = JobRunner(on_progress=lambda p: None, on_done=outcomes.append)
    started = []

    def job(token):
        started.append(1)
        yield Progress("x", 0, 1)

    runner.submit(1, "import", job)
    runner.submit(2, "embed", job)
    runner.cancel_up_to(2)
    runner.run_to_end()
    assert started == [] and [o.status for o in outcomes] == ["cancelled", "cancelled"]


def test_shared_terms_prefers_distinctive_words():
    query = "Dark matter halos explain flat galaxy rotation curves"
    other = "Dwarf galaxy rotation reveals dark matter halo cores"
    corpus = [other, "Galaxy surveys of rotation and spectra", "Galaxy mergers and rotation"]
    found = shared_terms(query, other, corpus=corpus, limit=3)
    assert "dark matter" in found[:2] and "rotation" not in found and "dark" not in found
    assert shared_terms("the of and", "the of and") == []
    assert terms("Self-attention in 3D, with the X-ray") == ["self-attention", "x-ray"]


def test_the_leak_fixture_sees_a_client_that_was_not_shut_down(qtbot, library_path, request):
    started = request.getfixturevalue("no_leaked_qthreads")
    client = WorkerClient(library_path, backend=FakeBackend())
    assert started == [client.worker_thread]
    assert still_running(started, grace_s=0.2) == ["litreview-worker"]
    assert client.shutdown(10_000)
    assert still_running(started, grace_s=0.0) == []


def test_the_leak_checks_say_where_a_leaked_thread_or_timer_started(qtbot, library_path, request):
    from PySide6.QtCore import QTimer

    threads = request.getfixturevalue("no_leaked_qthreads")
    timers = request.getfixturevalue("no_leaked_qtimers")
    client = WorkerClient(library_path, backend=FakeBackend())
    timer = QTimer()
    timer.start(60_000)
    fired = []
    QTimer.singleShot(300, lambda: fired.append(1))
    try:
        [thread_line] = threads.describe(threads)
        assert thread_line.startswith("  litreview-worker started at litreview/workers/client.py:")
        assert "tests/test_worker.py:" in thread_line and "test_the_leak_checks_say_where" in thread_line
        found = timers()
        assert len(found) == 2 and all("tests/test_worker.py:" in line for line in found)
        assert found[0].startswith("  QTimer (every 60000 ms)") and found[1].startswith("  singleShot due in")
    finally:
        timer.stop()
        assert client.shutdown(10_000)
    qtbot.waitUntil(lambda: bool(fired), timeout=5_000)
    assert timers() == []  # stopped, and fired: nothing left to leak into the next test


def test_clustering_runs_beside_the_worker_so_related_is_answered_meanwhile(qtbot, threaded, papers, monkeypatch):
    client = threaded()
    with qtbot.waitSignal(client.sig_job_done, timeout=20_000):
        client.start(import_job(papers))
    clustered = []
    kmeans = clusters._kmeans

    def slow_kmeans(*args, **kwargs):  # runs beside the worker thread
        clustered.append(1)
        time.sleep(0.5)
        return kmeans(*args, **kwargs)

    monkeypatch.setattr(clusters, "_kmeans", slow_kmeans)
    done = []
    client.sig_job_done.connect(done.append)
    client.start(cluster_job())
    with qtbot.waitSignal(client.sig_replied, timeout=10_000, check_params_cb=is_reply("related")) as answered:
        related(client, 2)
    assert answered.args[0].error == "" and not done
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)  # the first clustering imports scikit-learn
    assert done[0].kind == "cluster" and done[0].status == "finished"
    assert len(clustered) == 1


def test_resume_embeds_only_what_is_missing(qtbot, library_path, papers):
    client = SyncWorkerClient(library_path, backend=FakeBackend())
    outcomes = []
    client.sig_job_done.connect(outcomes.append)
    client.start(import_job(papers))
    client.start(resume_job())
    assert outcomes[-1].kind == "resume" and describe_outcome(outcomes[-1]) == ""  # nothing to do: no message
    with client.session.library.transaction() as conn:
        conn.execute("UPDATE papers SET abstract = 'A rewritten abstract about dark matter.' WHERE id = 2")
    client.start(resume_job())
    assert outcomes[-1].status == "finished" and describe_outcome(outcomes[-1]) == "Embedded 1 paper"
    client.shutdown()


def test_clustering_reads_and_writes_through_the_workers_own_connection(qtbot, library_path, papers, monkeypatch):
    client = SyncWorkerClient(library_path, backend=FakeBackend())
    outcomes = []
    client.sig_job_done.connect(outcomes.append)
    client.start(import_job(papers))
    opened = []
    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *args, **kwargs: opened.append(args) or connect(*args, **kwargs))
    client.start(cluster_job())
    assert outcomes[-1].kind == "cluster" and outcomes[-1].status == "finished", outcomes[-1].error
    assert opened == []  # no second connection: the helper thread only computes
    stored = client.session.library.conn.execute("SELECT count(*) FROM cluster_members").fetchone()[0]
    assert stored == 5
    client.shutdown()
