-- Styles catalogue: the looks a guest can pick (rows come from seed.sql).
-- Idempotent: IF NOT EXISTS / DROP ... IF EXISTS before CREATE.

CREATE TABLE IF NOT EXISTS public.styles_metadata (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    category TEXT NOT NULL,
    subcategory TEXT,
    is_premium BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS idx_styles_metadata_category ON public.styles_metadata(category);

-- Everyone (even signed out) can read the catalogue; writes go through the
-- service role, which bypasses RLS.
ALTER TABLE public.styles_metadata ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "Styles are viewable by everyone" ON public.styles_metadata;
CREATE POLICY "Styles are viewable by everyone" ON public.styles_metadata
    FOR SELECT
    TO anon, authenticated
    USING (true);
