-- Partners: the companies that run Cabina events.
-- Idempotent: IF NOT EXISTS / DROP ... IF EXISTS before CREATE.

CREATE TABLE IF NOT EXISTS public.partners (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name TEXT NOT NULL,
    contact_email TEXT,
    is_active BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

DROP TRIGGER IF EXISTS update_partners_updated_at ON public.partners;
CREATE TRIGGER update_partners_updated_at
    BEFORE UPDATE ON public.partners
    FOR EACH ROW
    EXECUTE FUNCTION update_updated_at_column();

-- Signed-in users can read partners; only masters (and the service role,
-- which bypasses RLS) can change them.
ALTER TABLE public.partners ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "Authenticated users can view partners" ON public.partners;
CREATE POLICY "Authenticated users can view partners" ON public.partners
    FOR SELECT
    TO authenticated
    USING (true);

DROP POLICY IF EXISTS "Masters can manage partners" ON public.partners;
CREATE POLICY "Masters can manage partners" ON public.partners
    FOR ALL
    TO authenticated
    USING ((SELECT public.is_master()))
    WITH CHECK ((SELECT public.is_master()));
