"""Torture test of one library shared by an owner process and the CLI (issue #14). Prints the figures.

A seeded random sequence of steps on one library:
- the owner (a long-running process standing in for the window: it owns the library through open_library, keeps
  a read-only connection open as the window's reader does, and writes when told) adds papers to reading lists
  and edits titles, acknowledging each write after its commit;
- the owner opens and closes a plain descriptor of the library file (what a file dialog's type sniffing does);
- CLI invocations (info, list, doctor, backup, lists add, rm + trash restore), which must be refused while the
  owner lives (the writing ones) or be harmless;
- SIGKILL of the owner, or of a CLI command that writes while no owner is running;
- restarts of the owner.

At the end: acknowledged reading-list items missing (lost items), acknowledged title edits not in the library
(lost edits), `PRAGMA integrity_check`, and `litreview doctor`.

    .venv/bin/python benchmarks/torture.py [--steps 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIST_PAPERS = range(1, 41)  # papers the owner and the CLI put in lists and edit
TRASH_PAPERS = range(41, 61)  # papers the CLI moves to the trash and back

OWNER = r"""
import json, os, sys
from litreview.library import open_library, ownership
from litreview.library.errors import LibraryInUse
from litreview.library.lists import ReadingLists
from litreview.library.papers import PaperRepository
ownership.set_program("the window")
path = sys.argv[1]
try:
    library = open_library(path)
except LibraryInUse as exc:
    print("refused", exc, flush=True)
    sys.exit(3)
reader = open_library(path, read_only=True)  # the window's own read connection
lists = ReadingLists(library)
print("ready", flush=True)
for line in sys.stdin:
    order = json.loads(line)
    op = order["op"]
    try:
        if op == "add":
            lists.add(order["list"], [order["paper"]])
        elif op == "edit":
            with library.transaction():
                PaperRepository(library).update_fields(order["paper"], by_user=True, title=order["title"])
        elif op == "stray":
            os.close(os.open(path, os.O_RDONLY))
        elif op == "read":
            reader.conn.execute("SELECT count(*) FROM reading_list_items").fetchone()
        print("ok", flush=True)
    except Exception as exc:
        print("err", type(exc).__name__, str(exc).replace("\n", " "), flush=True)
"""


@dataclass
class Tally:
    steps: int = 0
    owner_writes_acked: int = 0
    owner_starts: int = 0
    owner_refused: int = 0
    owner_kills: int = 0
    cli_runs: int = 0
    cli_refused: int = 0
    cli_ok: int = 0
    cli_failed_otherwise: int = 0
    cli_kills: int = 0
    stray_closes: int = 0
    errors: list[str] = field(default_factory=list)


class Harness:
    def __init__(self, folder: Path, seed: int) -> None:
        self.path = folder / "lib.sqlite"
        self.rng = random.Random(seed)
        self.owner: subprocess.Popen | None = None
        self.tally = Tally()
        self.acked_items: set[tuple[str, int]] = set()  # (list, paper) acknowledged as added
        self.titles: dict[int, set[str]] = {}  # paper -> titles it may have now (last acked + later unacked tries)
        self.env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        self.edit_counter = 0

    # -- setup and checks ---------------------------------------------------------------------------------------
    def create(self) -> None:
        from litreview.library import open_library
        from litreview.library.lists import ReadingLists

        with open_library(self.path) as library:
            with library.transaction() as conn:
                for pid in range(1, TRASH_PAPERS.stop):
                    conn.execute("INSERT INTO papers(title, abstract) VALUES (?, ?)", (f"paper {pid}", f"text {pid}"))
            for name in ("a", "b", "c"):
                ReadingLists(library).create(name)
        for pid in LIST_PAPERS:
            self.titles[pid] = {f"paper {pid}"}

    def cli(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "litreview", "--library", str(self.path), *argv],
                              capture_output=True, text=True, timeout=timeout, env=self.env)

    # -- the owner -------------------------------------------------------------------------------------------
    def start_owner(self) -> None:
        self.owner = subprocess.Popen([sys.executable, "-c", OWNER, str(self.path)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, env=self.env)
        first = self.owner.stdout.readline().strip()
        if first == "ready":
            self.tally.owner_starts += 1
            return
        self.tally.owner_refused += 1
        self.owner.wait(timeout=30)
        self._close_owner_pipes()
        self.owner = None

    def _close_owner_pipes(self) -> None:
        for pipe in (self.owner.stdin, self.owner.stdout):
            try:
                pipe.close()
            except OSError:
                pass

    def tell_owner(self, order: dict) -> bool:
        """Send one order; True when acknowledged after its commit."""
        try:
            self.owner.stdin.write(json.dumps(order) + "\n")
            self.owner.stdin.flush()
            answer = self.owner.stdout.readline().strip()
        except (BrokenPipeError, OSError):
            answer = ""
        if answer == "ok":
            return True
        if answer:
            self.tally.errors.append(f"owner {order['op']}: {answer}")
        return False

    def kill_owner(self) -> None:
        self.owner.send_signal(signal.SIGKILL)
        self.owner.wait(timeout=30)
        self._close_owner_pipes()
        self.owner = None
        self.tally.owner_kills += 1

    # -- steps ---------------------------------------------------------------------------------------------
    def step(self) -> None:
        self.tally.steps += 1
        alive = self.owner is not None
        roll = self.rng.random()
        if not alive and roll < 0.35:
            self.start_owner()
        elif alive and roll < 0.45:
            self.owner_write()
        elif alive and roll < 0.55:
            if self.tell_owner({"op": "stray"}):
                self.tally.stray_closes += 1
        elif alive and roll < 0.62:
            self.kill_owner()
        elif not alive and roll < 0.55:
            self.cli_write_killed()
        else:
            self.cli_step(alive)

    def owner_write(self) -> None:
        if self.rng.random() < 0.6:
            item = (self.rng.choice("abc"), self.rng.choice(LIST_PAPERS))
            if self.tell_owner({"op": "add", "list": item[0], "paper": item[1]}):
                self.acked_items.add(item)
                self.tally.owner_writes_acked += 1
        else:
            pid = self.rng.choice(LIST_PAPERS)
            self.edit_counter += 1
            title = f"edited {pid} #{self.edit_counter}"
            self.titles[pid].add(title)  # may land even if the owner dies before acknowledging
            if self.tell_owner({"op": "edit", "paper": pid, "title": title}):
                self.titles[pid] = {title}
                self.tally.owner_writes_acked += 1

    def cli_step(self, owner_alive: bool) -> None:
        choice = self.rng.choice(["info", "list", "doctor", "backup", "add", "trash"])
        if choice == "add":
            item = (self.rng.choice("abc"), self.rng.choice(LIST_PAPERS))
            result = self.cli("lists", "add", item[0], str(item[1]))
            if result.returncode == 0:
                self.acked_items.add(item)
        elif choice == "trash":
            pid = str(self.rng.choice(TRASH_PAPERS))
            result = self.cli("rm", pid)
            if result.returncode == 0:
                restored = self.cli("trash", "restore", pid)
                if restored.returncode != 0:
                    self.tally.errors.append(f"restore {pid}: {restored.stderr.strip()}")
        elif choice == "list":
            result = self.cli("list", "--limit", "5")
        else:
            result = self.cli(choice)
        self.tally.cli_runs += 1
        if result.returncode == 0:
            self.tally.cli_ok += 1
        elif "is open in litreview" in result.stderr:
            self.tally.cli_refused += 1
            if not owner_alive:
                self.tally.errors.append(f"refused with no owner: {result.stderr.strip()}")
        else:
            self.tally.cli_failed_otherwise += 1
            self.tally.errors.append(f"cli {choice}: rc {result.returncode} {result.stderr.strip()[-300:]}")

    def cli_write_killed(self) -> None:
        """A CLI write killed at a random moment (no owner is running)."""
        item = (self.rng.choice("abc"), self.rng.choice(LIST_PAPERS))
        process = subprocess.Popen(
            [sys.executable, "-m", "litreview", "--library", str(self.path), "lists", "add", item[0], str(item[1])],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env,
        )
        time.sleep(self.rng.uniform(0.05, 0.6))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            self.tally.cli_kills += 1
        if process.wait(timeout=30) == 0:
            self.acked_items.add(item)

    # -- the verdict ---------------------------------------------------------------------------------------
    def finish(self) -> dict:
        if self.owner is not None:
            self.kill_owner()
        doctor = self.cli("doctor", "--json")
        report = json.loads(doctor.stdout) if doctor.stdout.strip() else {"integrity": doctor.stderr.strip()}
        conn = sqlite3.connect(self.path)
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            present = {(name, pid) for name, pid in conn.execute(
                "SELECT l.name, i.paper_id FROM reading_list_items i JOIN reading_lists l ON l.id = i.list_id")}
            titles = dict(conn.execute("SELECT id, title FROM papers"))
            trashed = conn.execute("SELECT count(*) FROM trash").fetchone()[0]
        finally:
            conn.close()
        lost_items = sorted(self.acked_items - present)
        lost_edits = sorted(pid for pid, allowed in self.titles.items() if titles.get(pid) not in allowed)
        return {
            "steps": self.tally.steps,
            "owner_starts": self.tally.owner_starts,
            "owner_start_refused": self.tally.owner_refused,
            "owner_kills": self.tally.owner_kills,
            "owner_writes_acked": self.tally.owner_writes_acked,
            "stray_closes": self.tally.stray_closes,
            "cli_runs": self.tally.cli_runs,
            "cli_ok": self.tally.cli_ok,
            "cli_refused": self.tally.cli_refused,
            "cli_failed_otherwise": self.tally.cli_failed_otherwise,
            "cli_kills": self.tally.cli_kills,
            "acked_list_items": len(self.acked_items),
            "lost_list_items": len(lost_items),
            "lost_edits": len(lost_edits),
            "integrity_errors": 0 if integrity == ["ok"] else len(integrity),
            "papers_left_in_trash": trashed,
            "doctor_integrity": report.get("integrity"),
            "doctor_index_consistent": report.get("index_consistent"),
            "doctor_problems": report.get("problems", []),
            "errors": self.tally.errors[:10],
        }


def run(steps: int, seed: int, folder: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        harness = Harness(Path(folder or scratch), seed)
        harness.create()
        try:
            for _ in range(steps):
                harness.step()
            return harness.finish()
        finally:
            if harness.owner is not None:
                harness.owner.kill()
                harness.owner.wait(timeout=30)
                harness._close_owner_pipes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    result = run(args.steps, args.seed)
    result["seconds"] = round(time.perf_counter() - start, 1)
    for key, value in result.items():
        print(f"{key}: {value}")
    bad = result["lost_list_items"] or result["lost_edits"] or result["integrity_errors"]
    return 1 if bad or result["doctor_integrity"] != "ok" else 0


if __name__ == "__main__":
    raise SystemExit(main())
