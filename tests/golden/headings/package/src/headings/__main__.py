"""``python -m``: train / predict / monitor, else the pipeline."""

from .production.cli import main

raise SystemExit(main())
