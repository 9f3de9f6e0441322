-- Undo 20260325120000_events_credits_remaining.sql: the backfilled column goes
-- with its values; credits_allocated and credits_used are untouched.
ALTER TABLE IF EXISTS public.events DROP COLUMN IF EXISTS credits_remaining;
