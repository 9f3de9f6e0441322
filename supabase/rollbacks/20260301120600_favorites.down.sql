-- Undo 20260301120600_favorites.sql (the guide's idempotent example), in
-- reverse order: the policy, the note column, the table (and its rows).
DROP POLICY IF EXISTS "Users can manage their own favorites" ON favorites;
ALTER TABLE IF EXISTS favorites DROP COLUMN IF EXISTS note;
DROP TABLE IF EXISTS favorites;
