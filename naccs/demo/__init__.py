"""Demo data for a local portal (make serve): it uses every other app, so it sits above them all."""
