"""The bottom layer: errors, the limits inputs are read within, and the numbers-or-draws helpers.

Imports nothing else from ``planner``.
"""
