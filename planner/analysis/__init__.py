"""What an estimate means: ranges (Monte Carlo, tornado, break-even), comparison, which approach
fits, stale prices. Imports ``planner.costs`` and the layers below it.
"""
