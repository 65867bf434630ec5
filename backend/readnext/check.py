"""`readnext check`: verify a data directory the way `git fsck` verifies a repository, and `--repair` it.

The check only reads. It looks at the event log (a torn last line, lines that are not events, events a crash
left half-forgotten), papers.sqlite (SQLite's integrity check, papers of the history that are missing), the
index against the corpus and the vector cache, the settings and the token. Each problem is one line naming
the file and the fix.

The repair rebuilds what can be rebuilt and keeps a copy of everything it replaces (NAME.damaged-STAMP): lines
of the log go to events.rejected, never away; a damaged papers.sqlite is set aside and a new one is filled
with what can still be read from it and with the copies of the history's papers the event log holds; the
index is rebuilt from the vector cache, and papers without a vector are embedded. The event log itself is
never deleted.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import forgetting
from .store import lines, storage
from .config import Config
from .store.corpus import Corpus
from .store.corpus_schema import repair_marker
from .store.salvage import salvage
from .engine import ReadNext
from .errors import DamagedData, ReadNextError
from .store.history import History, event_from_row
from .vectors.index import read_graph
from .records.papers import paper_from_dict

REPAIR = "readnext check --repair"


@dataclass
class Problem:
    path: Path
    what: str
    fix: str

    def line(self) -> str:
        return f"{self.path}: {self.what}; fix: {self.fix}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, path: Path, what: str, fix: str = REPAIR) -> None:
        self.problems.append(Problem(path, what, fix))


def check(config: Config) -> Report:
    home = config.home
    report = Report()
    if home.is_dir() and storage.is_open_to_others(home):
        report.add(home, f"is open to other users (mode {home.stat().st_mode & 0o777:04o})",
                   f"{REPAIR} (or chmod 700 {home})")
    log_papers = _check_log(home, report)
    _check_corpus(home, config.model, log_papers, report)
    _check_settings(home, report)
    return report


# --- the event log ------------------------------------------------------------------------------------------
def _check_log(home: Path, report: Report) -> dict[str, dict]:
    """Problems of events.jsonl; the copies of papers it holds, by paper id (the last copy of each)."""
    path = home / "events.jsonl"
    forgotten = set(storage.read_lines(home / "events.forgotten"))
    torn = not_events = half_forgotten = 0
    papers: dict[str, dict] = {}
    for _, row in lines.json_lines(path):
        event = event_from_row(row)
        torn += row is lines.TORN
        not_events += event is None and row is not lines.TORN
        half_forgotten += event is not None and event.id in forgotten
        if event is not None and event.id not in forgotten and isinstance(row.get("paper"), dict) \
                and event.paper_id:
            papers[event.paper_id] = row["paper"]
    if torn:
        report.add(path, "its last line is torn (an event a crash cut before it was acknowledged)",
                   f"{REPAIR} (or `readnext serve`) moves it to events.rejected")
    if not_events:
        report.add(path, f"{not_events} line(s) are not events",
                   f"{REPAIR} (or `readnext serve`) moves them to events.rejected")
    if half_forgotten:
        report.add(path, f"{half_forgotten} forgotten event(s) are still in the log (a forget cut by a crash)",
                   f"{REPAIR} (or `readnext serve`) finishes the forget")
    aside = lines.count_lines(home / "events.rejected")
    if aside:
        report.notes.append(f"{home / 'events.rejected'}: {aside} line(s) set aside from the event log; look at "
                            "them, then delete the file")
    return papers


def _history_paper_ids(home: Path) -> set[str]:
    return {event.paper_id for event in map(event_from_row, (row for _, row in lines.json_lines(
        home / "events.jsonl"))) if event is not None and event.paper_id}


# --- papers.sqlite, the index and the vectors -------------------------------------------------------------------
def _check_corpus(home: Path, model: str, log_papers: dict[str, dict], report: Report) -> None:
    path = home / "papers.sqlite"
    if repair_marker(path).exists():
        report.add(path, "is being replaced by a repair that was cut short (the damaged copy is not yet read back)",
                   f"{REPAIR} finishes it")
        return
    if not path.exists():
        if _history_paper_ids(home):
            report.add(path, "is missing while events.jsonl names papers")
        return
    try:
        conn = storage.open_sqlite_readonly(path)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                report.add(path, f"is damaged: it fails SQLite's integrity check ({problems[0][:100]})")
                return
            count = conn.execute("SELECT count(*) FROM papers").fetchone()[0]
            missing = [pid for pid in _history_paper_ids(home) if not _known(conn, pid)]
            if missing:
                restorable = sum(pid in log_papers for pid in missing)
                report.add(path, f"lacks {len(missing)} paper(s) of your history ({restorable} can be restored "
                                 "from the copies in events.jsonl)",
                           REPAIR if restorable else "import or visit them again")
            _check_forgotten(home, conn, report)
            _check_index(home, model, conn, count, report)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        report.add(path, f"is damaged: SQLite cannot read it ({error})")


def _check_forgotten(home: Path, conn: sqlite3.Connection, report: Report) -> None:
    """What a forgotten history left: a forget a kill cut short, papers only the forgotten events brought."""
    path = home / "papers.sqlite"
    if conn.execute("SELECT 1 FROM meta WHERE key = ?", (forgetting.PENDING,)).fetchone():
        report.add(path, "a forget was cut short: it still holds papers only the forgotten events brought",
                   f"`readnext serve` (or {REPAIR}) finishes the forget")
    elif left := forgetting.leftovers(conn, home):
        report.add(path, f"holds {len(left)} paper(s) that only your forgotten history brought (such as "
                         f"{left[0]})", f"{REPAIR} deletes them")


def _known(conn: sqlite3.Connection, paper_id: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM papers WHERE id = ? UNION SELECT 1 FROM aliases WHERE alias = ?",
                             (paper_id, paper_id)).fetchone())


def _check_index(home: Path, model: str, conn: sqlite3.Connection, count: int, report: Report) -> None:
    path = home / "index.hnsw"
    unembedded = conn.execute("SELECT count(*) FROM papers p LEFT JOIN vectors v ON v.model = ? AND v.hash = p.hash "
                              "WHERE v.hash IS NULL", (model,)).fetchone()[0]
    if unembedded:
        report.add(home / "papers.sqlite", f"{unembedded} paper(s) have no vector for {model}",
                   f"{REPAIR} (or `readnext serve`) embeds them")
    if not count:
        return
    try:
        header = storage.read_json(Path(str(path) + ".json"))
    except ValueError:
        header = "unreadable"
    if not isinstance(header, dict) or not path.exists():
        report.add(path, "is missing or its header index.hnsw.json is unreadable",
                   f"{REPAIR} (or `readnext serve`) rebuilds it from the vector cache")
        return
    if header.get("model") != model:
        report.add(path, f"was built by {header.get('model')}, not {model}",
                   f"{REPAIR} (or `readnext serve`) rebuilds it")
        return
    graph = read_graph(path, int(header.get("dim") or 0))
    if graph is None:
        report.add(path, "is damaged (its body does not match its header)",
                   f"{REPAIR} (or `readnext serve`) rebuilds it from the vector cache")
        return
    rows = storage.file_size(Path(str(path) + ".vectors")) // (4 * int(header.get("dim") or 1)) \
        if Path(str(path) + ".vectors").exists() else 0
    if rows < (header.get("rows") or 0):
        report.add(Path(str(path) + ".vectors"), f"holds {rows} vectors, the index {header.get('rows')}",
                   f"{REPAIR} (or `readnext serve`) copies them back from the index")
    live = graph.count - len(graph.deleted)
    indexed = conn.execute("SELECT count(*) FROM papers WHERE indexed IS NOT NULL").fetchone()[0]
    behind = conn.execute("SELECT count(*) FROM papers p JOIN vectors v ON v.model = ? AND v.hash = p.hash "
                          "WHERE p.indexed IS NOT p.hash", (model,)).fetchone()[0]
    if live != indexed or behind:
        report.add(path, f"holds {live} papers; the corpus has {count}, {behind} of them not in the index",
                   f"{REPAIR} (or `readnext serve`) adds them from the vector cache")


# --- settings and token -----------------------------------------------------------------------------------------
def _check_settings(home: Path, report: Report) -> None:
    settings = home / "user.json"
    try:
        value = storage.read_json(settings)
        if value is not None and not isinstance(value, dict):
            report.add(settings, "does not hold settings", f"{REPAIR} resets them (a copy is kept)")
    except ValueError:
        report.add(settings, "is not valid JSON", f"{REPAIR} resets the settings (a copy is kept)")
    token = home / "token"
    if token.exists():
        text = storage.read_text(token).strip()
        if len(text) < 32 or not all(c.isalnum() or c in "-_" for c in text):
            report.add(token, "is not a pairing token", f"{REPAIR} makes a new one; then `readnext pair` again")
        elif token.stat().st_mode & 0o077:
            report.add(token, "is readable by other users", f"{REPAIR} (or chmod 600 {token})")


# --- repair -----------------------------------------------------------------------------------------------------
def repair(config: Config, embedder=None) -> list[str]:
    """Repair what `check` finds; what was done, one line each. The caller holds the data directory's lock."""
    home = config.home
    done: list[str] = []
    stamp = time.strftime("%Y%m%dT%H%M%S")
    before = check(config)

    if any(p.path == home for p in before.problems):
        storage.make_private(home)
        done.append(f"{home}: made readable by you alone")
    for name, after in (("user.json", "settings reset"),
                        ("token", "a new one is made at the next start: pair the extension again")):
        problem = next((p for p in before.problems if p.path == home / name), None)
        if problem and "readable by other users" in problem.what:
            storage.make_private(home / name)
            done.append(f"{name}: made readable by you alone")
        elif problem:
            done.append(f"{name}: set aside as {_set_aside(home / name, stamp).name}; {after}")
    history = History(home)  # opening the log sets aside torn and bad lines and finishes forgets
    if history.set_aside:
        done.append(f"events.jsonl: {history.set_aside} line(s) moved to events.rejected")
    history.close()
    corpus_path = home / "papers.sqlite"
    if repair_marker(corpus_path).exists() or any(p.path == corpus_path and p.what.startswith("is damaged")
                                                  for p in before.problems):
        done += _replace_corpus(home, stamp)
    elif any(p.path.name.startswith(("papers.sqlite", "index.hnsw")) for p in before.problems):
        corpus = Corpus(corpus_path)  # filled before the engine opens: an empty one beside the log is refused
        try:
            done += _restore_history(home, corpus)
        finally:
            corpus.close()
    else:
        return done
    try:
        engine = ReadNext(config, embedder=embedder)
    except DamagedData as error:
        raise ReadNextError(f"could not repair: {error}") from None
    try:
        left = _leftovers(home)
        if left:  # the one way to forget papers: no event names them, so only these papers go
            forgetting.forget(engine.history, engine.corpus, engine.indexer, set(left))
            done.append(f"papers.sqlite: {len(left)} paper(s) only your forgotten history brought deleted")
        embedded = engine.embed_all_pending()
        done.append(f"index.hnsw: {len(engine.index)} papers indexed"
                    + (f", {embedded} embedded" if embedded else "") + " (rebuilt from the vector cache)")
    finally:
        engine.close()
    return done


def _leftovers(home: Path) -> list[str]:
    conn = storage.open_sqlite_readonly(home / "papers.sqlite")
    try:
        return forgetting.leftovers(conn, home)
    finally:
        conn.close()


def _set_aside(path: Path, stamp: str) -> Path:
    return storage.move_aside(path, f"damaged-{stamp}")


def _restore_history(home: Path, corpus: Corpus) -> list[str]:
    """Put back the papers of the history that `corpus` lacks, from the copies in the event log."""
    log_papers = _check_log(home, Report())
    lost = [paper_from_dict(data) for pid, data in log_papers.items() if corpus.label_of(pid) is None]
    corpus.upsert(lost, by_user=True)  # the user's: no corpus source is known to have brought them
    return [f"papers.sqlite: {len(lost)} paper(s) of your history restored from events.jsonl"] if lost else []


def _replace_corpus(home: Path, stamp: str) -> list[str]:
    """Set a damaged papers.sqlite aside (with its WAL, which SQLite reads with it, and the index, whose labels
    are its) and put in its place a new one holding what SQLite can still read of it and the history's papers.

    A kill at any moment leaves this resumable: a marker written first names the copy set aside, Corpus refuses to
    open while it exists, the new database is filled beside and renamed into place whole, and the marker goes
    last. The next repair finishes the same steps; before, it found papers.sqlite gone and read back the history's
    papers alone, and `check` then found nothing wrong."""
    path = home / "papers.sqlite"
    marker = repair_marker(path)
    stamp = (storage.read_json(marker) or {}).get("stamp", stamp)
    storage.atomic_write_json(marker, {"stamp": stamp})
    damaged = home / f"papers.sqlite.damaged-{stamp}"
    done = []
    if not (damaged.exists() and path.exists()):  # else the new database is in place: only the marker is left
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{path}{suffix}").exists():
                storage.move(Path(f"{path}{suffix}"), Path(f"{damaged}{suffix}"))
        for suffix in ("", ".json", ".vectors"):
            if Path(f"{home / 'index.hnsw'}{suffix}").exists():
                _set_aside(Path(f"{home / 'index.hnsw'}{suffix}"), stamp)
        fresh = home / "papers.sqlite.salvage"
        for suffix in ("", "-wal", "-shm"):  # a cut-short repair's, begun again
            storage.remove(Path(f"{fresh}{suffix}"))
        corpus = Corpus(fresh)
        try:
            found = salvage(damaged, corpus)
            done.append(f"papers.sqlite: set aside as {damaged.name}; {found.papers} papers and {found.vectors} "
                        "vectors read back from it"
                        + (f", {found.unreadable} unreadable rows left in it" if found.unreadable else ""))
            done += _restore_history(home, corpus)
        finally:
            corpus.close()  # the last connection folds the WAL into the file: the rename moves all of it
        if Path(f"{fresh}-wal").exists():
            raise ReadNextError(f"could not repair: {fresh}-wal was left beside the new database; repair again")
        storage.move(fresh, path)
    else:
        done.append(f"papers.sqlite: the repair cut short before is finished ({damaged.name} was read back)")
    storage.remove(marker)
    return done
