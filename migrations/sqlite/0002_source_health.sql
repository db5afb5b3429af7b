-- Source health: state, schedule, and where a source moved to.
ALTER TABLE sources ADD COLUMN state TEXT NOT NULL DEFAULT 'new';   -- new | ok | slow | failing | dead | moved
ALTER TABLE sources ADD COLUMN next_attempt TEXT;                    -- not fetched again before this time
ALTER TABLE sources ADD COLUMN moved_to TEXT;                        -- new URL after permanent redirects
ALTER TABLE sources ADD COLUMN last_duration_ms INTEGER;
