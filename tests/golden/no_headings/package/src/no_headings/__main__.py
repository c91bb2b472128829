"""``python -m`` runs the pipeline."""

from .pipeline import main

raise SystemExit(main())
