"""``loopwire wiring``: every declared field is set by code, carried by responses, shown by the UI."""
