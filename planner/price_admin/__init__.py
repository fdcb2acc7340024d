"""Keeping price tables: saving with history and conflict checks, grid editing, LiteLLM import.

Imports only ``planner.inputs`` and ``planner.core``: it keeps tables, it does not estimate.
"""
