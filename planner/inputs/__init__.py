"""What the user gives: files read within limits, validation, and the models of price tables,
assumptions, architectures and scenarios, gathered into a price book.

The only layer that touches the file system (``files``). Imports only ``planner.core``.
"""
