"""The dynamic half of the wiring check: what real responses, events and pages carried. The
service is instrumented (``capture``), the browser reports what the page showed (``browser``),
and the counts per field are kept and judged (``stats``)."""
