-- Adaptive polling: how often a source publishes decides how often it is polled.
ALTER TABLE sources ADD COLUMN poll_every_secs INTEGER;
ALTER TABLE sources ADD COLUMN next_poll TEXT;
