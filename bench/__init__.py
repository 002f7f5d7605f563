"""`python -m bench`: load a realistic dataset fast, time every hot path, and write bench/results.md."""
