-- Undo 20260301120400_styles_metadata.sql, in reverse order (drops the styles rows).
DROP POLICY IF EXISTS "Styles are viewable by everyone" ON public.styles_metadata;
DROP INDEX IF EXISTS public.idx_styles_metadata_category;
DROP TABLE IF EXISTS public.styles_metadata;
