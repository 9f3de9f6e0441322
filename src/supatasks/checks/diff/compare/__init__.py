"""One module per kind of object, in alembic's autogenerate style: `read(conn, schemas)` gives the kind's
objects of one database as {key: row} (definitions from PostgreSQL's own deparsers), `compare(ctx)` the
steps (ops.Op) that turn ctx.old's objects into ctx.new's. KINDS is the order they are read in."""

from . import (comments, constraints, extensions, functions, grants, indexes, policies, publications, schemas,
               sequences, tables, triggers, types, views)

KINDS = (schemas, extensions, types, sequences, tables, constraints, indexes, views, functions, triggers, policies,
         grants, comments, publications)
