"""Check types: one module each, each exporting ``async def check(spec) -> Result``.

A check does network I/O for one monitor and nothing else: no database, no globals, no
scheduling. The engine decides when to run it, bounds its time, and stores what it returns.
"""
