-- Shared trigger function: stamps updated_at on every UPDATE of a row.
-- Used by the profiles, partners and events triggers of later migrations.
-- CREATE OR REPLACE keeps the file safe to re-run.

-- Function to auto-update timestamps
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    NEW.updated_at = NOW();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
