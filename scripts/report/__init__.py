"""kvslo's plots and reports, made from a results file (results/SCHEMA.md)."""
