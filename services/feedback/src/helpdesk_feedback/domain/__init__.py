"""The feedback domain: survey rules, scoring arithmetic and the feature-request lifecycle. No I/O, no clock."""
