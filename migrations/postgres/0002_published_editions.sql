-- Editions as published (imported from before Roundup, or published by it): what novelty
-- is judged against. One row per edition; the edition itself is kept as JSON.
CREATE TABLE published_editions (
    id              BIGSERIAL PRIMARY KEY,
    beat            TEXT NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL,
    title           TEXT NOT NULL,
    edition_json    TEXT NOT NULL,
    UNIQUE (beat, published_at, title)
);
CREATE INDEX published_editions_beat ON published_editions (beat, published_at);
