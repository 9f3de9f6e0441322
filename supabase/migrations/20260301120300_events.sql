-- Events: a partner's photo-booth event with its AI credit budget.
-- Idempotent: IF NOT EXISTS, a DO block guarding the foreign key,
-- DROP ... IF EXISTS before CREATE for triggers and policies.

CREATE TABLE IF NOT EXISTS public.events (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    partner_id UUID NOT NULL,
    name TEXT NOT NULL,
    starts_at TIMESTAMPTZ,
    ends_at TIMESTAMPTZ,
    is_active BOOLEAN NOT NULL DEFAULT true,
    credits_allocated INTEGER NOT NULL DEFAULT 0,
    credits_used INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Add foreign key constraint (only once): deleting a partner deletes its events
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'fk_events_partner'
          AND conrelid = 'public.events'::regclass
    ) THEN
        ALTER TABLE public.events
          ADD CONSTRAINT fk_events_partner
          FOREIGN KEY (partner_id)
          REFERENCES public.partners(id)
          ON DELETE CASCADE;
    END IF;
END $$;

CREATE INDEX IF NOT EXISTS idx_events_partner_id ON public.events(partner_id);

-- Partial index for active events only
CREATE INDEX IF NOT EXISTS idx_events_active
  ON public.events(is_active)
  WHERE is_active = TRUE;

-- Trigger to call function
DROP TRIGGER IF EXISTS update_events_updated_at ON public.events;
CREATE TRIGGER update_events_updated_at
    BEFORE UPDATE ON public.events
    FOR EACH ROW
    EXECUTE FUNCTION update_updated_at_column();

ALTER TABLE public.events ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS "Authenticated users can view active events" ON public.events;
CREATE POLICY "Authenticated users can view active events" ON public.events
    FOR SELECT
    TO authenticated
    USING (is_active);

DROP POLICY IF EXISTS "Masters can manage events" ON public.events;
CREATE POLICY "Masters can manage events" ON public.events
    FOR ALL
    TO authenticated
    USING ((SELECT public.is_master()))
    WITH CHECK ((SELECT public.is_master()));
