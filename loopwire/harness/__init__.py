"""Responsiveness harness: fake ffprobe executables, out-of-process pollers, loop-lag probes."""
