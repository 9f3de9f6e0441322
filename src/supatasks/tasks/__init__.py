"""The Invoke namespace: `inv db.<task>` (and `supatasks db.<task>`)."""

from invoke import Collection

from . import checks, local, migrations, push, recovery, reset, sql

db = Collection("db")
for module in (local, migrations, push, reset, sql, checks, recovery):
    for name in dir(module):
        obj = getattr(module, name)
        if getattr(obj, "__module__", None) == module.__name__ and hasattr(obj, "body"):
            db.add_task(obj)

namespace = Collection(db)
