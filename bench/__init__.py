"""Benchmarks: `python -m bench` prints figures, each next to a baseline measured in the same run.

They are not pass/fail tests: targets are printed beside the figures so a person (or a later change) can see
where the bot stands. See __main__.py for the list and README.md's Performance section for recorded figures.
"""
