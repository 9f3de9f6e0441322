# Expose supatasks' task namespace to `inv`.
from supatasks.tasks import namespace

ns = namespace
