-- Sources an editor paused are skipped by fetch until resumed.
ALTER TABLE sources ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
