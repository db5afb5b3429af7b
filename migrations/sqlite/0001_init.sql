-- Roundup store, SQLite backend, version 1.
-- Times are TEXT in RFC 3339 UTC with a Z suffix, so they sort as strings.

CREATE TABLE sources (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    url             TEXT,
    kind            TEXT NOT NULL DEFAULT 'feed',
    weight          REAL NOT NULL DEFAULT 1.0,
    lang            TEXT,
    etag            TEXT,
    last_modified   TEXT,
    last_status     TEXT,            -- ok | not_modified | error
    last_error      TEXT,
    last_fetch_at   TEXT,
    last_ok_at      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    entries_total   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    source_id       INTEGER NOT NULL REFERENCES sources(id),
    guid            TEXT,
    link            TEXT NOT NULL UNIQUE,
    canonical_url   TEXT,
    title           TEXT NOT NULL,
    published       TEXT,
    seen_at         TEXT NOT NULL,
    author          TEXT,
    lang            TEXT,
    summary         TEXT,
    body            TEXT NOT NULL DEFAULT '',
    site_name       TEXT,
    image           TEXT,
    content_hash    TEXT NOT NULL
);
CREATE INDEX articles_when ON articles (COALESCE(published, seen_at));
CREATE INDEX articles_hash ON articles (content_hash);

-- Full-text index over jieba-segmented words (space separated), so Chinese and English
-- queries both match whole words. rowid = articles.id.
CREATE VIRTUAL TABLE articles_fts USING fts5 (title, body, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE drafts (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    window_from     TEXT NOT NULL,
    window_to       TEXT NOT NULL,
    edition_json    TEXT NOT NULL
);
