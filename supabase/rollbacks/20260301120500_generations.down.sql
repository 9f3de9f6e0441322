-- Undo 20260301120500_generations.sql, in reverse order (drops the generations rows).
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_publication_tables
        WHERE pubname = 'supabase_realtime'
          AND schemaname = 'public'
          AND tablename = 'generations'
    ) THEN
        ALTER PUBLICATION supabase_realtime DROP TABLE public.generations;
    END IF;
END $$;
DROP POLICY IF EXISTS "Users can create their own generations" ON public.generations;
DROP POLICY IF EXISTS "Users can view their own generations" ON public.generations;
DROP INDEX IF EXISTS public.idx_generations_event_id;
DROP INDEX IF EXISTS public.idx_generations_user_id;
DROP INDEX IF EXISTS public.idx_generations_created_at;
DROP TABLE IF EXISTS public.generations;
