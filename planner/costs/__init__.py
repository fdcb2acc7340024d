"""The cost, effort and timeline model: line items per approach, the self-hosted plan, the estimate.

Imports ``planner.sizing``, ``planner.inputs`` and ``planner.core``.
"""
