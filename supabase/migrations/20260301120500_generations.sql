-- Generations: every AI picture made for a user, optionally at an event.
-- Idempotent: IF NOT EXISTS, DROP ... IF EXISTS before CREATE, and a DO block
-- that adds the table to the realtime publication only once.

CREATE TABLE IF NOT EXISTS public.generations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES public.profiles(id) ON DELETE CASCADE,
    event_id UUID REFERENCES public.events(id) ON DELETE SET NULL,
    style_id TEXT,
    prompt TEXT,
    image_url TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Create index if not exists
CREATE INDEX IF NOT EXISTS idx_generations_created_at
  ON public.generations(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_generations_user_id ON public.generations(user_id);
CREATE INDEX IF NOT EXISTS idx_generations_event_id ON public.generations(event_id);

ALTER TABLE public.generations ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "Users can view their own generations" ON public.generations;
CREATE POLICY "Users can view their own generations" ON public.generations
    FOR SELECT
    TO authenticated
    USING ((SELECT auth.uid()) = user_id);

DROP POLICY IF EXISTS "Users can create their own generations" ON public.generations;
CREATE POLICY "Users can create their own generations" ON public.generations
    FOR INSERT
    TO authenticated
    WITH CHECK ((SELECT auth.uid()) = user_id);

-- The app shows new pictures live: publish the table's changes to Realtime.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_publication_tables
        WHERE pubname = 'supabase_realtime'
          AND schemaname = 'public'
          AND tablename = 'generations'
    ) THEN
        ALTER PUBLICATION supabase_realtime ADD TABLE public.generations;
    END IF;
END $$;
