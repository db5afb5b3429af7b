-- Several beats in one store, and a job queue shared by workers.
-- Sources and articles gain a beat; names are unique per beat, links per beat. SQLite cannot
-- change a UNIQUE constraint in place, so both tables are rebuilt with their ids kept (the
-- search index is keyed by article id and stays valid).

CREATE TABLE sources_new (
    id              INTEGER PRIMARY KEY,
    beat            TEXT NOT NULL DEFAULT 'default',
    name            TEXT NOT NULL,
    url             TEXT,
    kind            TEXT NOT NULL DEFAULT 'feed',
    weight          REAL NOT NULL DEFAULT 1.0,
    lang            TEXT,
    etag            TEXT,
    last_modified   TEXT,
    last_status     TEXT,
    last_error      TEXT,
    last_fetch_at   TEXT,
    last_ok_at      TEXT,
    failures        INTEGER NOT NULL DEFAULT 0,
    entries_total   INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'new',
    next_attempt    TEXT,
    moved_to        TEXT,
    last_duration_ms INTEGER,
    paused          INTEGER NOT NULL DEFAULT 0,
    poll_every_secs INTEGER,
    next_poll       TEXT,
    UNIQUE (beat, name)
);
INSERT INTO sources_new (id, name, url, kind, weight, lang, etag, last_modified, last_status, last_error,
    last_fetch_at, last_ok_at, failures, entries_total, state, next_attempt, moved_to, last_duration_ms,
    paused, poll_every_secs, next_poll)
SELECT id, name, url, kind, weight, lang, etag, last_modified, last_status, last_error,
    last_fetch_at, last_ok_at, failures, entries_total, state, next_attempt, moved_to, last_duration_ms,
    paused, poll_every_secs, next_poll FROM sources;

CREATE TABLE articles_new (
    id              INTEGER PRIMARY KEY,
    beat            TEXT NOT NULL DEFAULT 'default',
    source_id       INTEGER NOT NULL REFERENCES sources_new(id),
    guid            TEXT,
    link            TEXT NOT NULL,
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
    content_hash    TEXT NOT NULL,
    UNIQUE (beat, link)
);
INSERT INTO articles_new (id, source_id, guid, link, canonical_url, title, published, seen_at, author, lang,
    summary, body, site_name, image, content_hash)
SELECT id, source_id, guid, link, canonical_url, title, published, seen_at, author, lang,
    summary, body, site_name, image, content_hash FROM articles;

DROP TABLE articles;
DROP TABLE sources;
ALTER TABLE sources_new RENAME TO sources;
ALTER TABLE articles_new RENAME TO articles;
CREATE INDEX articles_when ON articles (beat, COALESCE(published, seen_at));
CREATE INDEX articles_hash ON articles (content_hash);
CREATE INDEX articles_source ON articles (source_id);

ALTER TABLE drafts ADD COLUMN beat TEXT NOT NULL DEFAULT 'default';
-- The highest article id the draft was built over, to tell whether newer articles arrived.
ALTER TABLE drafts ADD COLUMN watermark INTEGER NOT NULL DEFAULT 0;
CREATE INDEX drafts_beat ON drafts (beat, id);

-- Shared work. A job is ready when it is not done, its time has come and no live lease
-- covers it; at most one job of a kind and target waits or runs at a time.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    beat            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    target          TEXT NOT NULL,
    run_at          TEXT NOT NULL,
    lease_owner     TEXT,
    lease_until     TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    done_at         TEXT,
    done_by         TEXT,
    outcome         TEXT
);
CREATE UNIQUE INDEX jobs_open ON jobs (beat, kind, target) WHERE done_at IS NULL;
CREATE INDEX jobs_ready ON jobs (beat, run_at) WHERE done_at IS NULL;

-- When each beat's last round of jobs was planned, so that workers started together plan once.
CREATE TABLE rounds (
    beat            TEXT PRIMARY KEY,
    planned_at      TEXT NOT NULL
);

-- Named leases, such as a beat's story lock.
CREATE TABLE locks (
    name            TEXT PRIMARY KEY,
    owner           TEXT NOT NULL,
    until           TEXT NOT NULL
);
