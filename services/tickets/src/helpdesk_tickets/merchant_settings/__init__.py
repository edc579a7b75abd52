"""Per-merchant settings: auto-close delay, reopen window, compensation approval thresholds."""
