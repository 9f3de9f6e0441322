-- Undo 20260320120000_events_max_guests.sql (the column and its values).
ALTER TABLE IF EXISTS public.events DROP COLUMN IF EXISTS max_guests;
