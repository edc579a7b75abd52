"""The tickets domain: pure rules, no I/O."""
