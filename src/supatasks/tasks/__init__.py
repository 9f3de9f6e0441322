"""The Invoke namespace: `inv db.<task>` (and `supatasks db.<task>`)."""

from invoke import Collection

from . import local, migrations, reset

db = Collection("db")
for module in (local, migrations, reset):
    for name in dir(module):
        obj = getattr(module, name)
        if getattr(obj, "__module__", None) == module.__name__ and hasattr(obj, "body"):
            db.add_task(obj)

namespace = Collection(db)
