-- Events keep their remaining credits in a column of their own, filled in
-- from the two counters for the rows that already exist.

ALTER TABLE public.events ADD COLUMN IF NOT EXISTS credits_remaining INTEGER;

-- Backfill computed column.  Only rows whose value differs are touched, so a
-- re-run changes nothing (not even updated_at, which the events trigger sets).
UPDATE public.events
  SET credits_remaining = credits_allocated - credits_used
  WHERE credits_remaining IS DISTINCT FROM credits_allocated - credits_used;
