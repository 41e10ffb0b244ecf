"""Numbered schema migrations. The version lives in PRAGMA user_version; each step runs in one transaction.

Append new steps to MIGRATIONS; never edit a step that has shipped.
"""

from __future__ import annotations

# The columns of a stored vector after the id of what it embeds (trashed papers' and passages' vectors).
_VECTOR_COLUMNS = """    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
"""

# The columns both ANN snapshot tables (papers' and passages') begin with; each CREATE TABLE below spells the rest.
_SNAPSHOT_COLUMNS = """    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    data BLOB NOT NULL,
    element_count INTEGER NOT NULL,
    m INTEGER NOT NULL,
    ef_construction INTEGER NOT NULL,
"""

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
""" + _SNAPSHOT_COLUMNS + """    checksum TEXT NOT NULL,       -- of the vector set the index was built from
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

_TRASH = """
-- The trash (litreview.library.trash): a deleted paper's row and everything that pointed at it, as it was, so that
-- it can come back whole. The live tables never hold trashed papers, so no query over them needs a filter.
CREATE TABLE trash (
    id INTEGER PRIMARY KEY,
    paper_id INTEGER NOT NULL,                   -- the id the paper had (restored under it when still free)
    deleted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    paper TEXT NOT NULL,                         -- JSON: the papers row
    files TEXT NOT NULL DEFAULT '[]',            -- JSON: its files rows
    list_items TEXT NOT NULL DEFAULT '[]',       -- JSON: [{list_id, position, note}]
    cluster_members TEXT NOT NULL DEFAULT '[]',  -- JSON: [{cluster_id, x, y}]
    import_log TEXT NOT NULL DEFAULT '[]',       -- JSON: ids of the import_log rows that named it
    dependents TEXT NOT NULL DEFAULT '{}'        -- JSON: {table: [row]} of every other table pointing at it
);
CREATE INDEX trash_paper ON trash(paper_id);
CREATE INDEX trash_deleted_at ON trash(deleted_at);
CREATE TABLE trash_vectors (
    trash_id INTEGER NOT NULL REFERENCES trash(id) ON DELETE CASCADE,
""" + _VECTOR_COLUMNS + """    PRIMARY KEY (trash_id, model_id, dim)
);
"""

# Notes on papers (a Zotero item's child notes, later the user's own), and what a Zotero import linked: each Zotero
# item to its paper with the change stamp and the values last imported (so a re-import applies only what changed
# and never silently overwrites a litreview edit), each collection to its reading list.
_ZOTERO_SYNC = """
CREATE TABLE paper_notes (
    id INTEGER PRIMARY KEY,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    origin TEXT NOT NULL DEFAULT 'user',         -- 'user', or 'zotero:<library uid>' for imported notes
    text TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX paper_notes_paper ON paper_notes(paper_id);

CREATE TABLE zotero_items (
    library_uid TEXT NOT NULL,                   -- Zotero's localUserKey (else the database path)
    zotero_id TEXT NOT NULL,                     -- "libraryID/KEY"
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    stamp TEXT NOT NULL,                         -- version|dateModified|clientDateModified of item and children
    imported TEXT NOT NULL DEFAULT '{}',         -- JSON: the field values last taken from Zotero
    PRIMARY KEY (library_uid, zotero_id)
);
CREATE INDEX zotero_items_paper ON zotero_items(paper_id);

CREATE TABLE zotero_collections (
    library_uid TEXT NOT NULL,
    collection_key TEXT NOT NULL,                -- "libraryID/KEY", or "libraryID/" for a group library
    list_id INTEGER NOT NULL REFERENCES reading_lists(id) ON DELETE CASCADE,
    PRIMARY KEY (library_uid, collection_key)
);
"""

# A paper's title, abstract and keywords printed in other languages than its own (issue #22): one row per field
# and language; `title_key` (normalised title, for title rows) lets duplicates be found across languages. Their
# own full-text index, kept in step by triggers, makes keyword search find a paper by any of its languages.
_TRANSLATIONS = """
CREATE TABLE paper_translations (
    id INTEGER PRIMARY KEY,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('title', 'abstract', 'keywords')),
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    title_key TEXT,
    UNIQUE (paper_id, field, language)
);
CREATE INDEX paper_translations_title_key ON paper_translations(title_key);
CREATE VIRTUAL TABLE paper_translations_fts USING fts5(
    text, content='paper_translations', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER paper_translations_fts_insert AFTER INSERT ON paper_translations BEGIN
    INSERT INTO paper_translations_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER paper_translations_fts_delete AFTER DELETE ON paper_translations BEGIN
    INSERT INTO paper_translations_fts(paper_translations_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER paper_translations_fts_update AFTER UPDATE OF text ON paper_translations BEGIN
    INSERT INTO paper_translations_fts(paper_translations_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO paper_translations_fts(rowid, text) VALUES (new.id, new.text);
END;
"""

_REFERENCES = """
-- Works that references point to, collapsed by DOI, arXiv id, PMID, else normalised title + first surname + year
-- (work_key), so that counts are per work and not per way of citing it.
CREATE TABLE external_works (
    id INTEGER PRIMARY KEY,
    work_key TEXT NOT NULL UNIQUE,
    title_key TEXT NOT NULL DEFAULT '',          -- title without case, accents, punctuation or spaces
    surname TEXT NOT NULL DEFAULT '',            -- first author's, normalised
    title TEXT,
    authors TEXT NOT NULL DEFAULT '[]',          -- JSON list of "Surname, Given"
    year INTEGER,
    venue TEXT,
    doi TEXT,
    arxiv_id TEXT,
    pmid TEXT
);
CREATE INDEX external_works_title ON external_works(title_key);
CREATE INDEX external_works_surname ON external_works(surname);
CREATE INDEX external_works_doi ON external_works(doi);
CREATE INDEX external_works_arxiv ON external_works(arxiv_id);
CREATE INDEX external_works_pmid ON external_works(pmid);

-- Each library paper's reference list as read from its PDF, and the library paper each entry resolves to.
CREATE TABLE paper_references (
    id INTEGER PRIMARY KEY,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,   -- the citing paper
    position INTEGER NOT NULL,                   -- 0-based place in the list
    raw TEXT NOT NULL,
    authors TEXT NOT NULL DEFAULT '[]',
    title TEXT,
    venue TEXT,
    year INTEGER,
    volume TEXT,
    issue TEXT,
    pages TEXT,
    doi TEXT,
    arxiv_id TEXT,
    pmid TEXT,
    url TEXT,
    confidence REAL NOT NULL DEFAULT 0,
    work_id INTEGER REFERENCES external_works(id) ON DELETE SET NULL,
    cited_paper_id INTEGER REFERENCES papers(id) ON DELETE SET NULL,     -- the library paper it resolves to
    match_confidence REAL,
    UNIQUE (paper_id, position)
);
CREATE INDEX paper_references_cited ON paper_references(cited_paper_id);
CREATE INDEX paper_references_work ON paper_references(work_id);

-- The reference-extraction step, resumable: papers whose PDF's references are still to be read.
CREATE TABLE reference_jobs (
    paper_id INTEGER PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed')),
    reason TEXT,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
-- Libraries made before this step: every paper with a PDF is queued.
INSERT INTO reference_jobs (paper_id, state)
    SELECT DISTINCT paper_id, 'queued' FROM files WHERE paper_id IS NOT NULL AND lower(path) LIKE '%.pdf';
"""

_PASSAGES = """
-- Full-text passages (issue 19): each PDF's text split to fit the embedding model's window. Ids are never
-- reused (AUTOINCREMENT): they are the labels of the per-model passage ANN index.
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,                          -- order in the paper, from 0
    page INTEGER NOT NULL,                         -- from 1
    kind TEXT NOT NULL CHECK (kind IN ('body', 'caption', 'references')),
    section TEXT,
    text TEXT NOT NULL,
    boxes TEXT NOT NULL DEFAULT '[]',              -- JSON [[x0, y0, x1, y1], ...] in PDF points on that page
    UNIQUE (paper_id, seq)
);
CREATE INDEX passages_paper_page ON passages(paper_id, page);

-- One row per paper whose PDF was split: which file, for which splitter (tokenizer and window), what was cut.
CREATE TABLE passage_sources (
    paper_id INTEGER PRIMARY KEY REFERENCES papers(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    splitter TEXT NOT NULL,
    passages INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    truncated INTEGER NOT NULL DEFAULT 0,
    skipped TEXT NOT NULL DEFAULT '[]',            -- JSON [[page, reason], ...]
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, section, content='passages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
-- Document frequency per term, so passage search can leave out terms that are in most passages.
CREATE VIRTUAL TABLE passages_fts_vocab USING fts5vocab(passages_fts, 'row');
CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text, section) VALUES (new.id, new.text, new.section);
END;
CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text, section) VALUES ('delete', old.id, old.text, old.section);
END;
CREATE TRIGGER passages_fts_update AFTER UPDATE OF text, section ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text, section) VALUES ('delete', old.id, old.text, old.section);
    INSERT INTO passages_fts(rowid, text, section) VALUES (new.id, new.text, new.section);
END;

-- Passage embeddings and their ANN index, shaped like `vectors` and `index_snapshots`.
CREATE TABLE passage_vectors (
    passage_id INTEGER NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
""" + _VECTOR_COLUMNS + """    PRIMARY KEY (passage_id, model_id, dim)
);
CREATE INDEX passage_vectors_model ON passage_vectors(model_id, dim);
CREATE TABLE passage_index_snapshots (
""" + _SNAPSHOT_COLUMNS + """    checksum TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (model_id, dim)
);
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

# Merges of two papers into one (issue #14): both papers as they were, as JSON like the trash keeps them, so a
# split restores them exactly. No foreign key to papers on purpose: the record outlives the merged paper's id.
_MERGES = """
CREATE TABLE merges (
    id INTEGER PRIMARY KEY,
    keep_id INTEGER NOT NULL,
    other_id INTEGER NOT NULL,
    merged_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    record TEXT NOT NULL           -- JSON: both paper rows, the rows moved, the list items and dependents before
);
CREATE TABLE merge_vectors (
    merge_id INTEGER NOT NULL REFERENCES merges(id) ON DELETE CASCADE,
    paper_id INTEGER NOT NULL,     -- the kept or the other paper, as it was before the merge
    model_id TEXT NOT NULL,
    dim INTEGER NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX merge_vectors_merge ON merge_vectors(merge_id);
"""

MIGRATIONS: list[str] = [
    _V1, _V2, _V3, _V4, _V5, _TRASH, _ZOTERO_SYNC, _TRANSLATIONS, _REFERENCES, _PASSAGES, _CITED_WORKS, _SCREENING,
    _MERGES,
]
LATEST_VERSION = len(MIGRATIONS)
