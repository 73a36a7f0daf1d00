"""``loopwire wiring``: every declared field is set by code, carried by responses, shown in the UI.

Three depths: a static check (``loopwire wiring``), a pytest plugin watching real responses, and
a browser test of the service's page.
"""
