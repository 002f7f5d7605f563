"""The manager dashboard's reads: stalled leads, rep persistence and the charts' numbers.

`scope` decides who sees what, `stalled` finds the leads that need a manager, `metrics` sums up each rep's
persistence, and `charts` holds the numbers behind each chart.
"""
