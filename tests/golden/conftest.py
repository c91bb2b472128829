"""The golden packages hold their own tests: they run in the install test, not here."""

collect_ignore_glob = ["*/package/*", "build_inputs.py"]
