"""Fake ``ffprobe`` executables for the harness and the tests: the behaviours and the writer
(``fakes``), the fast shell fake (``shell``), the Python fake it hands over to (``script``), the
per-run record format (``log``) and the ``loopwire fake-ffprobe`` command (``command``)."""
