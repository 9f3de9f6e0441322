"""supatasks: a Supabase project's database workflow as Invoke tasks."""

__version__ = "0.1.0"
