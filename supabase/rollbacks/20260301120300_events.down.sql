-- Undo 20260301120300_events.sql, in reverse order (drops the events rows).
DROP POLICY IF EXISTS "Masters can manage events" ON public.events;
DROP POLICY IF EXISTS "Authenticated users can view active events" ON public.events;
DROP TRIGGER IF EXISTS update_events_updated_at ON public.events;
DROP INDEX IF EXISTS public.idx_events_active;
DROP INDEX IF EXISTS public.idx_events_partner_id;
ALTER TABLE IF EXISTS public.events DROP CONSTRAINT IF EXISTS fk_events_partner;
DROP TABLE IF EXISTS public.events;
