-- The editor's desk, publishing and delivery. Times are Unix seconds.

-- Editorial actions on the draft of a window, replayed in id order over every rebuild.
CREATE TABLE edition_events (
    id              INTEGER PRIMARY KEY,
    beat            TEXT NOT NULL,
    window_from     TEXT NOT NULL,
    window_to       TEXT NOT NULL,
    at              INTEGER NOT NULL,
    user_name       TEXT NOT NULL,
    action_json     TEXT NOT NULL
);
CREATE INDEX edition_events_window ON edition_events (beat, window_from, window_to, id);

-- Editions published by Roundup, by slug. Rows are only ever inserted: a published edition
-- never changes.
CREATE TABLE editions (
    id              INTEGER PRIMARY KEY,
    beat            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    published_at    INTEGER NOT NULL,
    published_by    TEXT NOT NULL,
    edition_json    TEXT NOT NULL,
    UNIQUE (beat, slug)
);

-- Editors of the desk, with argon2 password hashes, and their login sessions (by the hash
-- of the cookie's token).
CREATE TABLE users (
    beat            TEXT NOT NULL,
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    email           TEXT,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (beat, name)
);
CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    beat            TEXT NOT NULL,
    user_name       TEXT NOT NULL,
    csrf            TEXT NOT NULL,
    expires_at      INTEGER NOT NULL
);

-- Subscribers: pending until they confirm (double opt-in); unsubscribed and bouncing
-- addresses are kept, so that they are never written to again.
CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY,
    beat            TEXT NOT NULL,
    email           TEXT NOT NULL,
    status          TEXT NOT NULL,
    token           TEXT NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    confirmed_at    INTEGER,
    last_error      TEXT,
    UNIQUE (beat, email)
);

-- The send log: one row per edition and subscriber, so that a send that stopped half-way
-- goes on where it stopped.
CREATE TABLE sends (
    beat            TEXT NOT NULL,
    edition         TEXT NOT NULL,
    subscriber_id   INTEGER NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (beat, edition, subscriber_id)
);
