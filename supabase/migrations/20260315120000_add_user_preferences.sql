-- Add user preferences column (the guide's `migration new add_user_preferences`),
-- written to be safe to re-run.

-- Add user preferences column
ALTER TABLE profiles ADD COLUMN IF NOT EXISTS preferences JSONB DEFAULT '{}'::jsonb;

-- Add index for JSONB queries
CREATE INDEX IF NOT EXISTS idx_profiles_preferences ON profiles USING GIN (preferences);
