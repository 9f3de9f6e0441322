-- Every profile gets a role: backfill the rows that have none, then make the
-- column required with 'user' as the default and a fixed set of values.

-- Update all existing records
UPDATE public.profiles
  SET role = 'user'
  WHERE role IS NULL;

ALTER TABLE public.profiles ALTER COLUMN role SET DEFAULT 'user';
ALTER TABLE public.profiles ALTER COLUMN role SET NOT NULL;

DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM pg_constraint
        WHERE conname = 'profiles_role_check'
          AND conrelid = 'public.profiles'::regclass
    ) THEN
        ALTER TABLE public.profiles
          ADD CONSTRAINT profiles_role_check
          CHECK (role IN ('user', 'partner', 'admin', 'master'));
    END IF;
END $$;
