"""Streamlit helpers for app.py: inputs, charts and views. Every number they show comes from planner."""
