-- Roundup store, PostgreSQL backend, version 1: the same data as the SQLite backend at its
-- version 5, with native times, a tsvector search column and the shared job queue.

CREATE TABLE sources (
    id               BIGSERIAL PRIMARY KEY,
    beat             TEXT NOT NULL,
    name             TEXT NOT NULL,
    url              TEXT,
    kind             TEXT NOT NULL DEFAULT 'feed',
    weight           DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    lang             TEXT,
    etag             TEXT,
    last_modified    TEXT,
    last_status      TEXT,            -- ok | not_modified | error
    last_error       TEXT,
    last_fetch_at    TIMESTAMPTZ,
    last_ok_at       TIMESTAMPTZ,
    failures         BIGINT NOT NULL DEFAULT 0,
    entries_total    BIGINT NOT NULL DEFAULT 0,
    state            TEXT NOT NULL DEFAULT 'new',   -- new | ok | slow | failing | dead | moved
    next_attempt     TIMESTAMPTZ,
    moved_to         TEXT,
    last_duration_ms BIGINT,
    paused           BOOLEAN NOT NULL DEFAULT FALSE,
    poll_every_secs  BIGINT,
    next_poll        TIMESTAMPTZ,
    UNIQUE (beat, name)
);

CREATE TABLE articles (
    id              BIGSERIAL PRIMARY KEY,
    beat            TEXT NOT NULL,
    source_id       BIGINT NOT NULL REFERENCES sources(id),
    guid            TEXT,
    link            TEXT NOT NULL,
    canonical_url   TEXT,
    title           TEXT NOT NULL,
    published       TIMESTAMPTZ,
    seen_at         TIMESTAMPTZ NOT NULL,
    author          TEXT,
    lang            TEXT,
    summary         TEXT,
    body            TEXT NOT NULL DEFAULT '',
    site_name       TEXT,
    image           TEXT,
    content_hash    TEXT NOT NULL,
    -- jieba-segmented title (weight A) and body (weight B) under the 'simple' configuration,
    -- so that Chinese and English words are both whole tokens.
    search          TSVECTOR NOT NULL,
    UNIQUE (beat, link)
);
CREATE INDEX articles_when ON articles (beat, (COALESCE(published, seen_at)));
CREATE INDEX articles_hash ON articles (content_hash);
CREATE INDEX articles_source ON articles (source_id);
CREATE INDEX articles_search ON articles USING GIN (search);

CREATE TABLE drafts (
    id              BIGSERIAL PRIMARY KEY,
    beat            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    window_from     TIMESTAMPTZ NOT NULL,
    window_to       TIMESTAMPTZ NOT NULL,
    edition_json    TEXT NOT NULL,
    watermark       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX drafts_beat ON drafts (beat, id);

-- Shared work, claimed with FOR UPDATE SKIP LOCKED under leases that run out.
CREATE TABLE jobs (
    id              BIGSERIAL PRIMARY KEY,
    beat            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    target          TEXT NOT NULL,
    run_at          TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    attempts        INTEGER NOT NULL DEFAULT 0,
    done_at         TIMESTAMPTZ,
    done_by         TEXT,
    outcome         TEXT
);
CREATE UNIQUE INDEX jobs_open ON jobs (beat, kind, target) WHERE done_at IS NULL;
CREATE INDEX jobs_ready ON jobs (beat, run_at) WHERE done_at IS NULL;

-- When each beat's last round of jobs was planned, so that workers started together plan once.
CREATE TABLE rounds (
    beat            TEXT PRIMARY KEY,
    planned_at      TIMESTAMPTZ NOT NULL
);
