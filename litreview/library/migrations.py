"""Numbered schema migrations. The version lives in PRAGMA user_version; each step runs in one transaction.

Append new steps to MIGRATIONS; never edit a step that has shipped.
"""

from __future__ import annotations

_V1 = """
CREATE TABLE papers (
    id INTEGER PRIMARY KEY,
    title TEXT,
    authors TEXT NOT NULL DEFAULT '[]',          -- JSON list of names
    year INTEGER,
    venue TEXT,
    doi TEXT,
    arxiv_id TEXT,
    abstract TEXT,
    abstract_source TEXT,
    language TEXT,
    keywords TEXT,
    full_text TEXT,                              -- first pages, for keyword search
    entry_type TEXT,
    citation_key TEXT,
    original_fields TEXT NOT NULL DEFAULT '{}',  -- JSON: BibTeX fields as written
    confidence TEXT NOT NULL DEFAULT '{}',       -- JSON: field -> 0..1
    warnings TEXT NOT NULL DEFAULT '[]',         -- JSON list
    source TEXT NOT NULL DEFAULT 'pdf',
    origin TEXT,
    title_key TEXT NOT NULL DEFAULT '',          -- normalised title, for duplicate detection
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX papers_doi ON papers(doi);
CREATE INDEX papers_arxiv ON papers(arxiv_id);
CREATE INDEX papers_title_key ON papers(title_key);
CREATE INDEX papers_citation_key ON papers(citation_key);

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    paper_id INTEGER REFERENCES papers(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    pages INTEGER,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX files_paper ON files(paper_id);
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_path ON files(path);

CREATE TABLE import_log (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL,
    path TEXT NOT NULL,
    entry TEXT,
    line INTEGER,
    outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'updated', 'duplicate', 'failed', 'warning')),
    paper_id INTEGER REFERENCES papers(id) ON DELETE SET NULL,
    reason TEXT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX import_log_batch ON import_log(batch);

-- Pipeline state, so an interrupted import resumes: a file is queued, then extracted into a paper.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    paper_id INTEGER REFERENCES papers(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'extracted', 'embedded', 'indexed', 'failed')),
    reason TEXT,
    batch TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX jobs_state ON jobs(state);
CREATE INDEX jobs_path ON jobs(path);

CREATE TABLE reading_lists (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE reading_list_items (
    list_id INTEGER NOT NULL REFERENCES reading_lists(id) ON DELETE CASCADE,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (list_id, paper_id)
);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, authors, abstract, keywords, full_text,
    content='papers', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER papers_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_fts(rowid, title, authors, abstract, keywords, full_text)
    VALUES (new.id, new.title, new.authors, new.abstract, new.keywords, new.full_text);
END;
CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract, keywords, full_text)
    VALUES ('delete', old.id, old.title, old.authors, old.abstract, old.keywords, old.full_text);
END;
CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, authors, abstract, keywords, full_text ON papers BEGIN
    INSERT INTO papers_fts(papers_fts, rowid, title, authors, abstract, keywords, full_text)
    VALUES ('delete', old.id, old.title, old.authors, old.abstract, old.keywords, old.full_text);
    INSERT INTO papers_fts(rowid, title, authors, abstract, keywords, full_text)
    VALUES (new.id, new.title, new.authors, new.abstract, new.keywords, new.full_text);
END;
"""

_V2 = """
-- Embeddings: the source of truth for every index. One row per (paper, model, dim).
CREATE TABLE vectors (
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    text_hash TEXT NOT NULL,      -- sha256 of the text that was embedded
    vector BLOB NOT NULL,         -- little-endian float32, L2-normalised
    PRIMARY KEY (paper_id, model_id, dim)
);
CREATE INDEX vectors_model ON vectors(model_id, dim);

-- The ANN index, a rebuildable cache, in hnswlib's own byte format (never pickle).
CREATE TABLE index_snapshots (
    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    data BLOB NOT NULL,
    element_count INTEGER NOT NULL,
    m INTEGER NOT NULL,
    ef_construction INTEGER NOT NULL,
    checksum TEXT NOT NULL,       -- of the vector set the index was built from
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (model_id, dim)
);
"""

_V3 = """
CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    label TEXT NOT NULL,
    user_label TEXT,              -- a label the user typed; kept across re-clustering
    centroid BLOB NOT NULL,       -- float32
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE cluster_members (
    cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    x REAL NOT NULL,
    y REAL NOT NULL,
    PRIMARY KEY (cluster_id, paper_id)
);
CREATE INDEX cluster_members_paper ON cluster_members(paper_id);
"""

_V4 = """
-- Fields the user corrected by hand (JSON list): a re-import of the BibTeX entry must not overwrite them.
ALTER TABLE papers ADD COLUMN user_fields TEXT NOT NULL DEFAULT '[]';
"""

# Bibliographic fields every importer may fill (RIS, MEDLINE, OpenAlex, Zotero, PDF first pages) and the ids
# other systems give a record (JSON object: {"openalex": "W…", "zotero": "…"}).
_V5 = """
ALTER TABLE papers ADD COLUMN volume TEXT;
ALTER TABLE papers ADD COLUMN issue TEXT;
ALTER TABLE papers ADD COLUMN page_range TEXT;
ALTER TABLE papers ADD COLUMN pmid TEXT;
ALTER TABLE papers ADD COLUMN url TEXT;
ALTER TABLE papers ADD COLUMN external_ids TEXT NOT NULL DEFAULT '{}';
CREATE INDEX papers_pmid ON papers(pmid);
"""

# Citation links a record brought (OpenAlex `referenced_works`): the cited work's id as "scheme:id", whether or
# not that work is in the library. Screening uses them as a signal (references shared with included papers).
_CITED_WORKS = """
CREATE TABLE cited_works (
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    cited_id TEXT NOT NULL,       -- "openalex:W123"
    PRIMARY KEY (paper_id, cited_id)
) WITHOUT ROWID;
CREATE INDEX cited_works_cited ON cited_works(cited_id);
"""

# Screening projects: a named set of candidate papers and the user's decisions on them. Decisions are an
# append-only log (one row per act); the current decision of a paper is its latest row not undone, so undo
# marks a row and the history stays.
_SCREENING = """
CREATE TABLE screening_projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT,                  -- where the candidates came from: "import <batch>", "search ...", "library"
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE TABLE screening_candidates (
    project_id INTEGER NOT NULL REFERENCES screening_projects(id) ON DELETE CASCADE,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,    -- the order the candidates were added in
    PRIMARY KEY (project_id, paper_id)
) WITHOUT ROWID;
CREATE TABLE screening_decisions (
    id INTEGER PRIMARY KEY,       -- increasing: the order of the acts
    project_id INTEGER NOT NULL REFERENCES screening_projects(id) ON DELETE CASCADE,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (decision IN ('include', 'exclude', 'maybe')),
    reason TEXT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    undone_at TEXT                -- set by undo; an undone row no longer counts
);
CREATE INDEX screening_decisions_project ON screening_decisions(project_id, paper_id, id);
"""

MIGRATIONS: list[str] = [_V1, _V2, _V3, _V4, _V5, _CITED_WORKS, _SCREENING]
LATEST_VERSION = len(MIGRATIONS)
