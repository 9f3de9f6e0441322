-- Events get a guest limit.

-- Add column only if it doesn't exist
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'events' AND column_name = 'max_guests'
    ) THEN
        ALTER TABLE public.events ADD COLUMN max_guests INTEGER DEFAULT 100;
    END IF;
END $$;
