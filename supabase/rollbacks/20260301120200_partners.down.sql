-- Undo 20260301120200_partners.sql, in reverse order (drops the partners rows).
DROP POLICY IF EXISTS "Masters can manage partners" ON public.partners;
DROP POLICY IF EXISTS "Authenticated users can view partners" ON public.partners;
DROP TRIGGER IF EXISTS update_partners_updated_at ON public.partners;
DROP TABLE IF EXISTS public.partners;
