-- Answers of the rewriting model, by the hash of the request, so nothing is sent twice.
CREATE TABLE rewrites (
    key             TEXT PRIMARY KEY,
    answer          TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
