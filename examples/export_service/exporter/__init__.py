"""A small export service: renders files with a slow external program, ``render``."""
