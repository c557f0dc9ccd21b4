"""Check types: one module each, each exporting ``async def check(spec) -> Result``.

A check does network I/O for one monitor and nothing else: no database, no globals, no
scheduling. The engine decides when to run it, bounds its time, and stores what it returns.

A module may also export ``prepare(spec)``: what can be worked out from the spec once (HTTP parses its
URL), made when the engine loads the monitor and given to ``check`` in place of the spec at every run.
"""
