"""SQL text: splitting a file into statements like the Supabase CLI and like PostgreSQL, and what kind a
statement is. Imports nothing else of supatasks.

- split.py: `split_statements` (the one splitter), the CLI's history value, the no-transaction directive
- postgres.py / cli.py: PostgreSQL's split and an exact model of the CLI 2.117.0 tokenizer
- lexing.py: the helpers both share (white space, comments, quoted tokens, dollar quotes)
- kinds.py: transaction control, statements that refuse a transaction block
"""

from ..lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "split": ["Statement", "split_statements", "history_statements", "has_no_transaction_directive"],
    "kinds": ["transaction_control", "non_transactional", "concurrent_index_name"],
})
