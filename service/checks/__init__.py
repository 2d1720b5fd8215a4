"""Checks of a deployment against the documents: the connectivity checklist
(`checklist.py`) and the configuration check, both built from a build's facts table only."""
