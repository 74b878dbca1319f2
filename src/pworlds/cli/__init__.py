"""The ``pworlds`` command: thin typer adapters over the library."""
