"""GPU sizing from published rules: training memory, training compute and time, serving roofline.

Imports ``planner.inputs`` and ``planner.core``.
"""
