"""hakb: cited answers about PAN-OS high-availability links, ports and platforms.

The package's version lives here and nowhere else (pyproject.toml reads it).
"""

__version__ = "0.1.0"
